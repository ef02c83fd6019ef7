/**
 * Small DOM helpers: elements built with `h()` (text always goes in as text, never as HTML),
 * JSON blocks, status badges and the confirmation dialog.
 */
import { pretty } from './format.js';

export type Child = Node | string | number | false | null | undefined | Child[];
type Attrs = Record<string, string | number | boolean | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (k === 'class') el.className = String(v);
    else if (k === 'style') el.setAttribute('style', String(v));
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
}

export function clear(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

export function jsonBlock(value: unknown, cls = 'json'): HTMLElement {
  return h('pre', { class: cls }, pretty(value));
}

export function badge(status: string): HTMLElement {
  return h('span', { class: `badge status-${status.toLowerCase()}` }, status);
}

export interface ConfirmOptions {
  title: string;
  message: string;
  confirmLabel: string;
  danger?: boolean;
  /** Extra inputs inside the dialog; read them in `onConfirm`. */
  fields?: HTMLElement[];
}

/**
 * A modal confirmation. Resolves true when confirmed, false when cancelled; `validate` may
 * return an error to keep the dialog open.
 */
export function confirmDialog(
  options: ConfirmOptions,
  validate?: () => string | undefined,
): Promise<boolean> {
  return new Promise((resolve) => {
    const error = h('p', { class: 'dialog-error', role: 'alert' });
    const dialog = h(
      'dialog',
      { class: 'confirm', 'aria-label': options.title },
      h(
        'form',
        { method: 'dialog' },
        h('h3', {}, options.title),
        h('p', {}, options.message),
        options.fields ?? [],
        error,
        h(
          'div',
          { class: 'dialog-buttons' },
          h('button', { value: 'cancel', type: 'submit', class: 'secondary' }, 'Cancel'),
          h(
            'button',
            { value: 'confirm', type: 'submit', class: options.danger ? 'danger' : 'primary' },
            options.confirmLabel,
          ),
        ),
      ),
    );
    dialog.addEventListener('submit', (e) => {
      const submitter = (e as SubmitEvent).submitter as HTMLButtonElement | null;
      if (submitter?.value !== 'confirm') return;
      const problem = validate?.();
      if (problem) {
        e.preventDefault();
        error.textContent = problem;
      }
    });
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      dialog.remove();
    });
    document.body.appendChild(dialog);
    dialog.showModal();
  });
}

export function field(label: string, input: HTMLElement, hint?: string): HTMLElement {
  return h('label', { class: 'field' }, h('span', {}, label), input, hint ? h('small', {}, hint) : null);
}
