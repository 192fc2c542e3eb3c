// The frames between the instructor's page and the server, and the
// learner's new frames (a name in the hello, a consent, the instructor's
// notices), as both ends read them; and who counts as stuck.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isStuck, parseInstructorFrame, parseInstructorServerFrame } from '../../lab/instructor-protocol.ts';
import { cleanName, parseClientFrame, parseServerFrame, ProtocolError, PROTOCOL_VERSION } from '../../lab/protocol.ts';

const LEARNER = 'learner-0123456789abcdef';
const hello = (extra: string): string => `{"type":"hello","v":${PROTOCOL_VERSION},"lesson":"ioctl","cols":80,"rows":24,"learner":"${LEARNER}"${extra}}`;

describe("the instructor's frames", () => {
  test('watch, unwatch, reset and message are read; there is no input, and nothing else passes', () => {
    assert.deepEqual(parseInstructorFrame(`{"type":"watch","learner":"${LEARNER}"}`), { type: 'watch', learner: LEARNER });
    assert.deepEqual(parseInstructorFrame('{"type":"unwatch"}'), { type: 'unwatch' });
    assert.deepEqual(parseInstructorFrame(`{"type":"reset","learner":"${LEARNER}"}`), { type: 'reset', learner: LEARNER });
    assert.deepEqual(parseInstructorFrame('{"type":"message","text":"  Break until 11:00 "}'), { type: 'message', text: 'Break until 11:00' });
    for (const bad of [
      '{"type":"input","data":"rm -rf /\\r"}',
      `{"type":"watch","learner":"${LEARNER}","console":1}`,
      '{"type":"watch","learner":"../x"}',
      '{"type":"message","text":"   "}',
      `{"type":"message","text":"${'x'.repeat(281)}"}`,
      '[]',
      'not json',
    ]) {
      assert.throws(() => parseInstructorFrame(bad), ProtocolError, bad);
    }
  });

  test("the page reads the server's frames and drops rows and frames of the wrong shape", () => {
    const roster = parseInstructorServerFrame(
      JSON.stringify({
        type: 'roster',
        now: 5000,
        stuckAfterMs: 300000,
        learners: [
          { learner: LEARNER, name: 'Ada', vm: 'ready', stepsRun: 3, checksPassed: 1, joined: 1000, seen: 4000, server: 'a', resetAsk: 'asked' },
          { learner: 'x', vm: 'on fire', joined: 1 },
          'junk',
        ],
      }),
    );
    assert.equal(roster?.type, 'roster');
    assert.deepEqual(roster?.type === 'roster' && roster.learners.map((r) => [r.learner, r.name, r.vm, r.resetAsk]), [[LEARNER, 'Ada', 'ready', 'asked']]);
    assert.equal(parseInstructorServerFrame('{"type":"watch","learner":"a","state":"maybe"}'), undefined);
    assert.deepEqual(parseInstructorServerFrame('{"type":"output","data":"$ "}'), { type: 'output', data: '$ ' });
    assert.equal(parseInstructorServerFrame('{"type":"shell","data":"x"}'), undefined);
  });

  test('stuck: a panic or a full lab at once; a VM up with no progress for the limit; not someone who has left', () => {
    const now = 1_000_000;
    assert.equal(isStuck({ vm: 'panic', joined: now }, now, 60_000), true);
    assert.equal(isStuck({ vm: 'full', joined: now }, now, 60_000), true);
    assert.equal(isStuck({ vm: 'ready', joined: now - 60_000 }, now, 60_000), true, 'no progress since joining');
    assert.equal(isStuck({ vm: 'ready', joined: now - 600_000, lastProgress: now - 59_999 }, now, 60_000), false);
    assert.equal(isStuck({ vm: 'ready', joined: now - 600_000, lastProgress: now - 60_000 }, now, 60_000), true);
    assert.equal(isStuck({ vm: 'left', joined: now - 600_000 }, now, 60_000), false);
  });
});

describe("the learner's side", () => {
  test('a display name in the hello must be clean; cleanName makes one of what a learner types', () => {
    const h = parseClientFrame(hello(',"name":"Ada L."'));
    assert.equal(h.type === 'hello' && h.name, 'Ada L.');
    assert.equal(cleanName('  Ada\u0007\n  Lovelace  '), 'Ada Lovelace');
    assert.equal(cleanName(' \t '), undefined);
    assert.equal(cleanName('x'.repeat(50))?.length, 40);
    for (const bad of [',"name":"Ada\\u001b[31m"', ',"name":" Ada"', `,"name":"${'x'.repeat(41)}"`, ',"name":""', ',"name":7']) {
      assert.throws(() => parseClientFrame(hello(bad)), ProtocolError, bad);
    }
  });

  test("a consent is yes or no; the instructor's notices reach the page, odd ones do not", () => {
    assert.deepEqual(parseClientFrame('{"type":"consent","given":true}'), { type: 'consent', given: true });
    assert.throws(() => parseClientFrame('{"type":"consent","given":"yes"}'), ProtocolError);
    assert.deepEqual(parseServerFrame('{"type":"instructor","event":"message","text":"Hi"}'), { type: 'instructor', event: 'message', text: 'Hi' });
    assert.deepEqual(parseServerFrame('{"type":"instructor","event":"watching"}'), { type: 'instructor', event: 'watching' });
    assert.equal(parseServerFrame('{"type":"instructor","event":"type-for-you"}'), undefined);
  });
});
