import { describe, expect, it } from 'vitest';
import { ActionType } from './actions';
import { blockedOnTaskAll } from './batching';

const activity = (name: string) => ({ actionType: ActionType.CallActivity, functionName: name });
const all = (...children: unknown[]) => ({ actionType: ActionType.WhenAll, compoundActions: children });

describe('blockedOnTaskAll', () => {
  it('is the Task.all of activities the episode scheduled and yielded last', () => {
    const actions = [[activity('a'), all(activity('b'), activity('c'), activity('d'))]];
    expect(blockedOnTaskAll(actions, 1, 4)).toEqual({ from: 1, to: 4 });
  });

  it('is nothing when the Task.all is older than the episode, or not the last action', () => {
    const actions = [[all(activity('b'), activity('c'))]];
    expect(blockedOnTaskAll(actions, 1, 2)).toBeUndefined();
    const then = [[all(activity('b'), activity('c')), activity('d')]];
    expect(blockedOnTaskAll(then, 0, 3)).toBeUndefined();
  });

  it('is nothing for Task.any, or a Task.all of anything but activities', () => {
    expect(
      blockedOnTaskAll([[{ actionType: ActionType.WhenAny, compoundActions: [activity('a')] }]], 0, 1),
    ).toBeUndefined();
    const timer = { actionType: ActionType.CreateTimer, fireAt: '2030-01-01T00:00:00Z' };
    expect(blockedOnTaskAll([[all(activity('a'), timer)]], 0, 2)).toBeUndefined();
    const http = { actionType: ActionType.CallHttp, httpRequest: {} };
    expect(blockedOnTaskAll([[all(activity('a'), http)]], 0, 2)).toBeUndefined();
  });
});
