// Text that lives in attributes. rrweb masks text nodes and input values, but
// records attributes as they are, and some attributes are text a visitor
// reads: alt and title texts, aria labels, placeholders, the label of an
// <input type=submit>. They follow the text rule: masked unless the element
// is in an unmasked area. Runs on each rrweb event before it is serialised.
import { record } from '@rrweb/record';

const TEXT_ATTRIBUTE = /^(title|alt|placeholder|label|summary|aria-(label|description|placeholder|valuetext|roledescription))$/;
const BUTTON_INPUT = /^(button|submit|reset)$/;

// rrweb's serialised shapes, as far as this module reads them
interface SerializedNode {
  type: number;
  id: number;
  attributes?: Record<string, unknown>;
  childNodes?: SerializedNode[];
}
interface RrwebEvent {
  type: number;
  data: {
    node?: SerializedNode;
    source?: number;
    adds?: Array<{ node: SerializedNode }>;
    attributes?: Array<{ id: number; attributes: Record<string, unknown> }>;
  };
}

const ELEMENT_NODE = 2;
const FULL_SNAPSHOT = 2;
const INCREMENTAL = 3;
const MUTATION = 0;

export type IsOpen = (el: Element | null) => boolean;

function maskAttributes(id: number, attrs: Record<string, unknown> | undefined, open: IsOpen): void {
  let el: Element | null | undefined;
  for (const name in attrs) {
    const v = attrs[name];
    if (typeof v !== 'string' || !v) continue;
    if (el === undefined) el = record.mirror.getNode(id) as Element | null;
    const text =
      TEXT_ATTRIBUTE.test(name) ||
      (name === 'value' && !!el && el.localName === 'input' && BUTTON_INPUT.test((el as HTMLInputElement).type));
    if (text && !open(el)) attrs[name] = v.replace(/\S/g, '*');
  }
}

function walk(n: SerializedNode, open: IsOpen): void {
  if (n.type === ELEMENT_NODE) maskAttributes(n.id, n.attributes, open);
  if (n.childNodes) for (const c of n.childNodes) walk(c, open);
}

export function maskAttributeText(e: RrwebEvent, open: IsOpen): void {
  const d = e.data;
  if (e.type === FULL_SNAPSHOT && d.node) walk(d.node, open);
  if (e.type === INCREMENTAL && d.source === MUTATION) {
    if (d.adds) for (const a of d.adds) walk(a.node, open);
    if (d.attributes) for (const a of d.attributes) maskAttributes(a.id, a.attributes, open);
  }
}
