/** The chat list: messages and tips as text nodes only, so a message can never become markup. */
import type { ChatMessage, ServerFrame } from '@streamhub/contracts/realtime';
import { clientText as t } from '../i18n/en.ts';

type Tip = Extract<ServerFrame, { type: 'chat.tip' }>['tip'];

// A long broadcast would otherwise grow the page without bound.
const KEPT_MESSAGES = 200;

export class ChatView {
  constructor(private readonly list: HTMLOListElement) {}

  replace(history: readonly ChatMessage[]): void {
    this.list.replaceChildren(...history.map((message) => this.item(message)));
    this.scrollToEnd();
  }

  append(message: ChatMessage): void {
    if (this.find(message.id)) return;
    this.list.append(this.item(message));
    this.trim();
  }

  private trim(): void {
    while (this.list.children.length > KEPT_MESSAGES) this.list.firstElementChild?.remove();
    this.scrollToEnd();
  }

  /** A paid tip, highlighted among the messages; each once. */
  appendTip(tip: Tip): void {
    if (this.find(`tip-${tip.paymentId}`)) return;
    const item = document.createElement('li');
    item.className = 'tip';
    item.dataset.messageId = `tip-${tip.paymentId}`;
    const payer = document.createElement('strong');
    payer.className = 'author';
    payer.textContent = tip.from ? (tip.from.displayName ?? tip.from.username) : t.anonymousTipper;
    item.append(payer, ' ', t.tipped(formatMoney(tip.amount, tip.currency)));
    if (tip.message) {
      const body = document.createElement('span');
      body.className = 'body';
      body.textContent = tip.message;
      item.append(' ', body);
    }
    this.list.append(item);
    this.trim();
  }

  remove(messageId: string): void {
    this.find(messageId)?.remove();
  }

  private find(messageId: string): Element | undefined {
    return Array.from(this.list.children).find(
      (item) => item instanceof HTMLElement && item.dataset.messageId === messageId,
    );
  }

  private item(message: ChatMessage): HTMLLIElement {
    const item = document.createElement('li');
    item.dataset.messageId = message.id;
    if (message.author.subscriber) {
      const badge = document.createElement('span');
      badge.className = 'badge';
      badge.textContent = t.subscriberBadge;
      item.append(badge);
    }
    const author = document.createElement('strong');
    author.className = 'author';
    author.textContent = message.author.displayName ?? message.author.username;
    author.title = `@${message.author.username}`;
    const body = document.createElement('span');
    body.className = 'body';
    body.textContent = message.body;
    item.append(author, ' ', body);
    return item;
  }

  private scrollToEnd(): void {
    this.list.scrollTop = this.list.scrollHeight;
  }
}

/** Minor units as the viewer's locale writes the currency (1234 usd → $12.34). */
function formatMoney(amount: number, currency: string): string {
  const format = new Intl.NumberFormat(undefined, { style: 'currency', currency: currency.toUpperCase() });
  return format.format(amount / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
}
