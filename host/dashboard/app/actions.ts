/**
 * The operations on one instance, each behind a confirmation dialog: raise event, terminate,
 * suspend, resume, rewind, restart, purge. The API's answer (status and body) is shown as is.
 */
import type { ApiAnswer, InstanceStatus, RuntimeStatus } from './api.js';
import type { AppContext } from './context.js';
import { confirmDialog, field, h } from './dom.js';

export type ActionName = 'raise event' | 'terminate' | 'suspend' | 'resume' | 'rewind' | 'restart' | 'purge';

const ENDED: RuntimeStatus[] = ['Completed', 'Failed', 'Terminated', 'Canceled'];

/** Which statuses an action makes sense for (the API answers anyway; this only guides). */
function allowed(action: ActionName, s: RuntimeStatus): boolean {
  switch (action) {
    case 'raise event':
    case 'terminate':
      return !ENDED.includes(s);
    case 'suspend':
      return s === 'Running' || s === 'Pending';
    case 'resume':
      return s === 'Suspended';
    case 'rewind':
      return s === 'Failed';
    case 'restart':
      return true;
    case 'purge':
      return ENDED.includes(s);
  }
}

const reasonInput = () =>
  h('input', { type: 'text', name: 'reason', placeholder: 'why (recorded with the operation)' });

export function actionBar(
  ctx: AppContext,
  status: InstanceStatus,
  suggested: ActionName[],
  onDone: (action: ActionName, answer: ApiAnswer) => void,
): HTMLElement {
  const id = status.instanceId;
  const run = async (action: ActionName) => {
    const reason = reasonInput();
    const eventName = h('input', {
      type: 'text',
      name: 'eventName',
      placeholder: 'e.g. decision',
      required: true,
    });
    const payload = h('textarea', { name: 'payload', rows: 6, class: 'mono' }, '{}');
    const newId = h('input', { type: 'checkbox', name: 'newId', checked: true });
    const reasonField = () => [field('Reason', reason)];
    const spec: Record<ActionName, { message: string; fields: () => HTMLElement[]; danger?: boolean }> = {
      'raise event': {
        message: `Send an external event to ${id}. The orchestration receives it when it waits for that name (or later: events are buffered).`,
        fields: () => [field('Event name', eventName), field('Payload (JSON)', payload)],
      },
      terminate: {
        message: `Terminate ${id}? It stops at once; running activities finish but their results are ignored. This cannot be undone (only restarted).`,
        fields: reasonField,
        danger: true,
      },
      suspend: {
        message: `Suspend ${id}? Events and timers are kept and delivered when it is resumed.`,
        fields: reasonField,
      },
      resume: { message: `Resume ${id}?`, fields: reasonField },
      rewind: {
        message: `Rewind ${id}? It replays to the failure and runs the failed work again, keeping what succeeded.`,
        fields: reasonField,
      },
      restart: {
        message: `Restart ${status.name} with the same input?`,
        fields: () => [
          h('label', { class: 'check' }, newId, ' as a new instance (new id); untick to reuse this id'),
        ],
      },
      purge: {
        message: `Purge ${id}? Its status and history are deleted for good.`,
        fields: () => [],
        danger: true,
      },
    };
    const s = spec[action];
    const confirmed = await confirmDialog(
      {
        title: `${action[0]?.toUpperCase()}${action.slice(1)}`,
        message: s.message,
        confirmLabel: action,
        danger: s.danger,
        fields: s.fields(),
      },
      () => {
        if (action !== 'raise event') return undefined;
        if (!eventName.value.trim()) return 'The event needs a name.';
        try {
          JSON.parse(payload.value || 'null');
        } catch (error) {
          return `The payload is not JSON: ${(error as Error).message}`;
        }
        return undefined;
      },
    );
    if (!confirmed) return;
    const api = ctx.api;
    let answer: ApiAnswer;
    switch (action) {
      case 'raise event':
        answer = await api.raiseEvent(id, eventName.value.trim(), payload.value || 'null');
        break;
      case 'restart':
        answer = await api.restart(id, newId.checked);
        break;
      case 'purge':
        answer = await api.purge(id);
        break;
      default:
        answer = await api.control(id, action, reason.value.trim());
    }
    onDone(action, answer);
  };

  const names: ActionName[] = ['raise event', 'suspend', 'resume', 'terminate', 'rewind', 'restart', 'purge'];
  return h(
    'div',
    { class: 'actions', id: 'actions' },
    names.map((name) => {
      const ok = allowed(name, status.runtimeStatus);
      const btn = h(
        'button',
        {
          type: 'button',
          'data-action': name,
          class: `${suggested.includes(name) && ok ? 'primary' : 'secondary'}${name === 'terminate' || name === 'purge' ? ' warn' : ''}`,
          title: ok ? undefined : `Not applicable to a ${status.runtimeStatus} instance`,
        },
        name[0]?.toUpperCase() + name.slice(1),
      );
      btn.disabled = !ok;
      btn.addEventListener('click', () => void run(name));
      return btn;
    }),
  );
}

/** The API's answer to an operation, for the page. */
export function answerPanel(
  action: ActionName,
  answer: ApiAnswer,
  href: (id: string) => string,
): HTMLElement {
  let newId: string | undefined;
  if (action === 'restart' && answer.ok) {
    try {
      newId = (JSON.parse(answer.text) as { id?: string }).id;
    } catch {
      newId = undefined;
    }
  }
  return h(
    'div',
    { class: `answer ${answer.ok ? 'ok' : 'bad'}`, id: 'answer', role: 'status' },
    h('strong', {}, `${action}: HTTP ${answer.status}${answer.ok ? ' accepted' : ' refused'}`),
    newId ? h('span', {}, ' → new instance ', h('a', { href: href(newId), class: 'mono' }, newId)) : null,
    answer.text ? h('pre', {}, answer.text) : null,
  );
}
