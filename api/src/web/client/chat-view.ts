/** The chat list: messages as text nodes only, so a message can never become markup. */
import type { ChatMessage } from '@streamhub/contracts/realtime';

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
    while (this.list.children.length > KEPT_MESSAGES) this.list.firstElementChild?.remove();
    this.scrollToEnd();
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
