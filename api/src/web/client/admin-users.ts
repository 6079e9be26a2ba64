/** `/admin`: find users by username or email, change their role, suspend them or lift a suspension. */
import type { AdminUser, UserList } from '@streamhub/contracts/users';
import { clientText as t } from '../i18n/en.ts';
import { problemMessage } from './api-problem.ts';
import { authFetch } from './auth-session.ts';
import { report, setBusy } from './forms.ts';
import { element } from './page-data.ts';
import { actionButton, adminAccount, sendJson, textElement } from './workspace.ts';

const ROLES = ['viewer', 'streamer', 'admin'] as const;
const PAGE_SIZE = 25;

export async function startAdminUsersPage(): Promise<void> {
  const admin = await adminAccount();
  const form = element('user-search-form', HTMLFormElement);
  if (!admin) {
    form.hidden = true;
    return;
  }
  const body = element('users', HTMLTableSectionElement);
  const more = element('users-more', HTMLButtonElement);
  const query = new URLSearchParams(location.search).get('q')?.trim() ?? '';
  let cursor: string | null = null;

  const replaceRow = (user: AdminUser, old: HTMLTableRowElement) => {
    const fresh = row(user);
    old.replaceWith(fresh);
    return fresh;
  };
  const act = async (user: AdminUser, tr: HTMLTableRowElement, action: 'suspend' | 'unsuspend') => {
    const response = await sendJson(`/api/v1/users/${user.id}/${action}`, 'POST');
    if (!response.ok) {
      report({ error: await problemMessage(response, t.saveFailed) }, 'users');
      return;
    }
    const updated = (await response.json()) as AdminUser;
    const fresh = replaceRow(updated, tr);
    report(
      { done: action === 'suspend' ? t.suspended(user.username) : t.unsuspended(user.username) },
      'users',
    );
    // The row's new action button (Lift after Suspend and back), in the last cell beside the role's Save.
    fresh.lastElementChild?.querySelector<HTMLButtonElement>('button')?.focus();
  };
  const row = (user: AdminUser): HTMLTableRowElement => {
    const tr = document.createElement('tr');
    const who = textElement('td', `@${user.username}`);
    who.append(document.createElement('br'), textElement('span', user.email));
    const roleCell = document.createElement('td');
    const select = document.createElement('select');
    select.setAttribute('aria-label', t.roleLabel(user.username));
    for (const role of ROLES) {
      const option = textElement('option', role);
      option.value = role;
      option.selected = role === user.role;
      select.append(option);
    }
    select.disabled = user.id === admin.id;
    // A closed list's arrow keys change its value at each press: saving on `change` would save every role
    // a keyboard user passes through (a viewer made streamer on the way to admin). The role is saved by
    // its own button, shown only while the list holds another role than the saved one.
    const save = actionButton(t.saveRole, () => void saveRole(), t.saveRoleLabel(user.username), false);
    save.hidden = true;
    select.addEventListener('change', () => {
      save.hidden = select.value === user.role;
    });
    const saveRole = async () => {
      if (save.getAttribute('aria-disabled') === 'true') return;
      setBusy(save, true);
      const response = await sendJson(`/api/v1/users/${user.id}/role`, 'PUT', { role: select.value });
      setBusy(save, false);
      if (!response.ok) {
        report({ error: await problemMessage(response, t.saveFailed) }, 'users');
        return;
      }
      user.role = ((await response.json()) as AdminUser).role;
      select.value = user.role;
      save.hidden = true;
      select.focus();
      report({ done: t.roleSaved(user.username, user.role) }, 'users');
    };
    roleCell.append(select, ' ', save);
    const actions = document.createElement('td');
    if (user.id !== admin.id) {
      actions.append(
        user.status === 'suspended'
          ? actionButton(t.unsuspend, () => void act(user, tr, 'unsuspend'), t.unsuspendLabel(user.username))
          : actionButton(t.suspend, () => void act(user, tr, 'suspend'), t.suspendLabel(user.username)),
      );
    }
    tr.append(
      who,
      roleCell,
      textElement('td', user.status === 'suspended' ? t.statusSuspended : t.statusActive),
      actions,
    );
    return tr;
  };

  const load = async () => {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (query) params.set('query', query);
    if (cursor) params.set('cursor', cursor);
    const response = await authFetch(`/api/v1/users?${params}`);
    if (!response.ok) {
      report({ error: await problemMessage(response, t.loadFailed) }, 'users');
      return;
    }
    const page = (await response.json()) as UserList;
    body.append(...page.items.map(row));
    cursor = page.nextCursor;
    more.hidden = cursor === null;
    element('no-users', HTMLParagraphElement).hidden = body.rows.length > 0;
  };
  more.addEventListener('click', () => void load());
  await load();
}

/** `/admin/live`: each row's "End the broadcast" button cuts that channel's broadcast. */
export async function startAdminLivePage(): Promise<void> {
  const buttons = document.querySelectorAll<HTMLButtonElement>('button[data-cut]');
  if (!(await adminAccount())) {
    for (const button of buttons) button.hidden = true;
    return;
  }
  for (const button of buttons) {
    button.addEventListener('click', () => {
      // Once pressed, busy and then ended for good; the focus stays on it (setBusy).
      if (button.getAttribute('aria-disabled') === 'true') return;
      setBusy(button, true);
      const slug = button.dataset.cut ?? '';
      void sendJson(`/api/v1/channels/${encodeURIComponent(slug)}/cut`, 'POST').then(async (response) => {
        if (!response.ok) {
          setBusy(button, false);
          report({ error: await problemMessage(response, t.saveFailed) }, 'live');
          return;
        }
        button.textContent = t.broadcastOver;
        report({ done: t.broadcastCut }, 'live');
      });
    });
  }
}
