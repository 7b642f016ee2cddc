import { describe, expect, it } from 'vitest';
import { membershipChanges } from './membership-log.js';

const ref = (userId: string, deviceId: string) => ({ userId, deviceId });
const anna = [ref('anna', 'a1'), ref('anna', 'a2')];
const bernd = ref('bernd', 'b1');
const noDepartures = () => null;

describe('membershipChanges', () => {
  it('tells a user added by another member from one who joined by themself, and further devices', () => {
    expect(membershipChanges([anna[0]!], [anna[0]!, bernd], anna[0]!, noDepartures)).toEqual([
      { change: 'member_added', userId: 'bernd', deviceIds: ['b1'] },
    ]);
    expect(membershipChanges([anna[0]!], [anna[0]!, bernd], bernd, noDepartures)).toEqual([
      { change: 'member_joined', userId: 'bernd', deviceIds: ['b1'] },
    ]);
    expect(membershipChanges([anna[0]!, bernd], [...anna, bernd], anna[1]!, noDepartures)).toEqual([
      { change: 'device_added', userId: 'anna', deviceIds: ['a2'] },
    ]);
  });

  it('tells a removed device from a user who is gone, and a user who left from one removed', () => {
    expect(membershipChanges([...anna, bernd], [anna[0]!, bernd], bernd, noDepartures)).toEqual([
      { change: 'device_removed', userId: 'anna', deviceIds: ['a2'] },
    ]);
    expect(membershipChanges([...anna, bernd], [bernd], bernd, noDepartures)).toEqual([
      { change: 'member_removed', userId: 'anna', deviceIds: ['a1', 'a2'] },
    ]);
    expect(membershipChanges([...anna, bernd], [bernd], bernd, () => 'left')).toEqual([
      { change: 'member_left', userId: 'anna', deviceIds: ['a1', 'a2'] },
    ]);
    expect(membershipChanges([...anna, bernd], [bernd], bernd, () => 'removed')).toEqual([
      { change: 'member_removed', userId: 'anna', deviceIds: ['a1', 'a2'] },
    ]);
  });

  it('reports nothing for a commit that changed no member', () => {
    expect(membershipChanges([...anna, bernd], [bernd, ...anna], bernd, noDepartures)).toEqual([]);
  });
});
