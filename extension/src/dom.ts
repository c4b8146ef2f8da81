/**
 * The only way this extension builds DOM: text goes in through `textContent`, attributes through
 * a short allow-list. Strings from result files are untrusted, so nothing here ever assigns
 * `innerHTML` or an event-handler attribute.
 */
export interface ElementOptions {
  readonly className?: string;
  readonly text?: string | number;
  readonly title?: string;
  /** data-* attributes (values are set as text). */
  readonly data?: Readonly<Record<string, string>>;
  /** Plain attributes that cannot run code: type, value, role, aria-*, colspan… */
  readonly attrs?: Readonly<Record<string, string>>;
}

const SAFE_ATTR = /^(type|value|role|colspan|rowspan|placeholder|for|id|name|tabindex|disabled|selected|aria-[a-z]+)$/;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: ElementOptions = {},
  children: readonly (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.text !== undefined) node.textContent = String(options.text);
  if (options.title !== undefined) node.title = options.title;
  for (const [k, v] of Object.entries(options.data ?? {})) node.dataset[k] = v;
  for (const [k, v] of Object.entries(options.attrs ?? {})) {
    if (!SAFE_ATTR.test(k)) throw new Error(`dom: attribute ${k} is not on the allow-list`);
    node.setAttribute(k, v);
  }
  for (const c of children) node.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return node;
}

/** A two-column key/value table. */
export function kvTable(rows: readonly (readonly [string, string | Node])[], className = 'abw-kv'): HTMLTableElement {
  const table = el('table', { className });
  for (const [k, v] of rows) {
    table.append(el('tr', {}, [el('th', { text: k }), el('td', {}, [v])]));
  }
  return table;
}

/** A readable error box (the text is shown as text). */
export function errorBox(title: string, message: string): HTMLElement {
  return el('div', { className: 'abw-error', attrs: { role: 'alert' } }, [el('strong', { text: title }), el('pre', { text: message })]);
}
