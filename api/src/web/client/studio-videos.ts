/**
 * `/studio/videos`: the drag-and-drop uploader (tus-js-client, loaded only on this page: a separate
 * chunk of the bundle), with progress, pause and resume (also after a reload: tus-js-client keeps the
 * upload's address in localStorage by the file's fingerprint), the owner's videos and recordings, and
 * editing a video's title, description and visibility.
 */
import type { Video, VideoPage } from '@streamhub/contracts/videos';
import type { Upload } from 'tus-js-client';
import { clientText as t } from '../i18n/en.ts';
import { problemMessage } from './api-problem.ts';
import { accessToken, authFetch } from './auth-session.ts';
import { field, onSubmit, report, setBusy } from './forms.ts';
import { element } from './page-data.ts';
import { actionButton, sendJson, signedInAccount, textElement } from './workspace.ts';

const REFRESH_WHILE_BUSY_MS = 3000;
const RETRY_DELAYS_MS = [0, 1000, 3000, 5000, 10_000];

export async function startStudioVideosPage(): Promise<void> {
  if (!(await signedInAccount())) return;
  const list = startVideoList();
  startUploader(() => void list.reload());
  await list.reload();
}

function startUploader(uploaded: () => void): void {
  const form = element('upload-form', HTMLFormElement);
  const file = element('upload-file', HTMLInputElement);
  const title = element('upload-title', HTMLInputElement);
  const zone = element('drop-zone', HTMLDivElement);
  const progress = element('upload-progress', HTMLDivElement);
  const bar = element('upload-bar', HTMLProgressElement);
  const pause = element('upload-pause', HTMLButtonElement);
  const submit = form.querySelector<HTMLButtonElement>('button[type="submit"]');
  let upload: Upload | undefined;
  let running = false;

  const suggestTitle = () => {
    const chosen = file.files?.[0];
    if (chosen && !title.value) title.value = chosen.name.replace(/\.[^.]+$/, '');
  };
  file.addEventListener('change', suggestTitle);
  // The whole zone takes a dropped file; the file input inside stays the keyboard's way in.
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.dataset.over = 'true';
  });
  zone.addEventListener('dragleave', () => {
    delete zone.dataset.over;
  });
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    delete zone.dataset.over;
    const dropped = event.dataTransfer?.files;
    if (dropped && dropped.length > 0) {
      file.files = dropped;
      suggestTitle();
    }
  });

  const setRunning = (value: boolean) => {
    running = value;
    pause.textContent = value ? t.pause : t.resume;
    setBusy(submit, value);
  };
  pause.addEventListener('click', () => {
    if (!upload) return;
    if (running) {
      setRunning(false);
      void upload.abort().then(() => report({ done: t.uploadPaused }, 'upload'));
    } else {
      setRunning(true);
      upload.start();
    }
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (running) return;
    const chosen = file.files?.[0];
    if (!chosen) {
      report({ error: t.chooseVideo }, 'upload');
      return;
    }
    const data = new FormData(form);
    void import('tus-js-client').then(
      ({ Upload: TusUpload }) => {
        upload = new TusUpload(chosen, {
          endpoint: '/api/v1/uploads',
          retryDelays: RETRY_DELAYS_MS,
          removeFingerprintOnSuccess: true,
          metadata: {
            title: field(data, 'title').trim(),
            visibility: field(data, 'visibility'),
            filename: chosen.name,
            filetype: chosen.type,
          },
          // Every request carries a fresh token: an upload may outlive several access tokens.
          onBeforeRequest: async (request) => {
            const token = await accessToken();
            if (token) request.setHeader('Authorization', `Bearer ${token}`);
          },
          onProgress: (sent, total) => {
            const percent = total > 0 ? Math.floor((sent / total) * 100) : 0;
            bar.value = percent;
            report({ done: t.uploading(percent) }, 'upload');
          },
          onSuccess: () => {
            setRunning(false);
            progress.hidden = true;
            upload = undefined;
            form.reset();
            report({ done: t.uploadDone }, 'upload');
            uploaded();
          },
          onError: (error) => {
            setRunning(false);
            report({ error: t.uploadFailed(error.message) }, 'upload');
          },
        });
        const started = upload;
        progress.hidden = false;
        bar.value = 0;
        setRunning(true);
        // The same file again (after a reload, say): go on from what the server already holds.
        void started.findPreviousUploads().then((previous) => {
          const last = previous[0];
          if (last) started.resumeFromPreviousUpload(last);
          started.start();
        });
      },
      () => report({ error: t.unreachable }, 'upload'),
    );
  });
}

function startVideoList(): { reload: () => Promise<void> } {
  const body = element('my-videos', HTMLTableSectionElement);
  const editSection = element('video-edit', HTMLElement);
  const editForm = element('video-edit-form', HTMLFormElement);
  const editTitle = element('edit-title', HTMLInputElement);
  const editDescription = element('edit-description', HTMLTextAreaElement);
  const editVisibility = element('edit-visibility', HTMLSelectElement);
  let editing: Video | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let opener: HTMLButtonElement | undefined;

  const closeEditor = () => {
    editSection.hidden = true;
    editing = undefined;
    opener?.focus();
  };
  const openEditor = (video: Video, button: HTMLButtonElement) => {
    editing = video;
    opener = button;
    editTitle.value = video.title;
    editDescription.value = video.description;
    editVisibility.value = video.visibility;
    report({ done: '' }, 'video-edit');
    editSection.hidden = false;
    editTitle.focus();
  };
  element('video-edit-cancel', HTMLButtonElement).addEventListener('click', closeEditor);

  const row = (video: Video) => {
    const tr = document.createElement('tr');
    const name = document.createElement('td');
    if (video.status === 'ready') {
      const link = textElement('a', video.title);
      link.href = `/v/${encodeURIComponent(video.id)}`;
      name.append(link);
    } else {
      name.textContent = video.title;
    }
    const actions = document.createElement('td');
    const edit = actionButton(t.edit, () => openEditor(video, edit), t.editLabel(video.title));
    actions.append(edit);
    tr.append(
      name,
      textElement('td', video.source === 'upload' ? t.sourceUpload : t.sourceRecording),
      textElement('td', t.statusText(video.status, video.progress)),
      textElement('td', t.visibilityText(video.visibility)),
      actions,
    );
    return tr;
  };

  const reload = async () => {
    clearTimeout(timer);
    const response = await authFetch('/api/v1/me/videos?limit=50');
    if (!response.ok) return;
    const page = (await response.json()) as VideoPage;
    body.replaceChildren(...page.items.map(row));
    element('no-videos', HTMLParagraphElement).hidden = page.items.length > 0;
    // Processing moves on by itself: look again until nothing is busy.
    if (page.items.some((video) => video.status === 'processing' || video.status === 'uploading')) {
      timer = setTimeout(() => void reload(), REFRESH_WHILE_BUSY_MS);
    }
  };

  onSubmit(
    editForm,
    async (data) => {
      if (!editing) return { error: t.saveFailed };
      const response = await sendJson(`/api/v1/videos/${encodeURIComponent(editing.id)}`, 'PATCH', {
        title: field(data, 'title').trim(),
        description: field(data, 'description').trim(),
        visibility: field(data, 'visibility'),
      });
      if (!response.ok) return { error: await problemMessage(response, t.saveFailed) };
      editing = (await response.json()) as Video;
      await reload();
      return { done: t.videoSaved };
    },
    'video-edit',
  );
  return { reload };
}
