/**
 * The API reference's one piece of script: a filter over the operations. The reference itself is
 * complete HTML without it.
 */
import { element } from './page-data.ts';

export function startDocsPage(): void {
  const filter = element('docs-filter', HTMLInputElement);
  const items = Array.from(document.querySelectorAll<HTMLLIElement>('.docs-nav li[data-search]'));
  filter.hidden = false;
  filter.addEventListener('input', () => {
    const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    const shown = new Set<string>();
    for (const item of items) {
      const match = words.every((word) => item.dataset.search?.includes(word));
      item.hidden = !match;
      const target = item.querySelector('a')?.hash.slice(1);
      if (match && target) shown.add(target);
    }
    // The operations themselves follow the list, and a tag with none left disappears from both.
    for (const operation of document.querySelectorAll<HTMLElement>('.docs-main .operation')) {
      operation.hidden = !shown.has(operation.id);
    }
    for (const group of document.querySelectorAll<HTMLElement>('[data-tag]')) {
      group.hidden = !group.querySelector('li[data-search]:not([hidden]), .operation:not([hidden])');
    }
  });
}
