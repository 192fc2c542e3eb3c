// Whether the exercises' solutions show (src/components/Solutions/visibility.ts):
// who wins when a workshop's server, a link and the reader disagree, and
// what a lab status must look like to count.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseLabStatus } from '../../lab/protocol.ts';
import { decide, visibilityInUrl } from '../../src/components/Solutions/visibility.ts';

describe('solutions: shown or hidden', () => {
  test('self-study, with no server setting and no link: shown', () => {
    assert.deepEqual(decide({}), { visibility: 'shown', by: 'default' });
  });

  test("a workshop's server that hides them wins over a link and the reader", () => {
    assert.deepEqual(decide({ server: 'hidden', url: 'shown', stored: { visibility: 'shown', by: 'reader' } }), { visibility: 'hidden', by: 'server' });
  });

  test("a link decides where the server does not hide them, and outlives the page (stored)", () => {
    assert.deepEqual(decide({ server: 'shown', url: 'hidden' }), { visibility: 'hidden', by: 'link' });
    assert.deepEqual(decide({ stored: { visibility: 'hidden', by: 'link' } }), { visibility: 'hidden', by: 'link' });
    assert.deepEqual(decide({ url: 'shown', stored: { visibility: 'hidden', by: 'link' } }), { visibility: 'shown', by: 'link' });
  });

  test('?solutions= takes hidden or shown and nothing else', () => {
    assert.equal(visibilityInUrl('?solutions=hidden'), 'hidden');
    assert.equal(visibilityInUrl('?a=1&solutions=shown'), 'shown');
    assert.equal(visibilityInUrl('?solutions=HIDDEN'), undefined);
    assert.equal(visibilityInUrl('?solutions='), undefined);
    assert.equal(visibilityInUrl(''), undefined);
  });
});

describe('the lab status a page reads', () => {
  test("a lab server's answer, with or without the solutions setting", () => {
    assert.deepEqual(parseLabStatus({ sessions: 2, lessons: ['ioctl'], solutions: 'hidden', pool: {} }), { sessions: 2, lessons: ['ioctl'], solutions: 'hidden' });
    assert.deepEqual(parseLabStatus({ sessions: 0, lessons: [] }), { sessions: 0, lessons: [] });
    assert.deepEqual(parseLabStatus({ sessions: 0, lessons: [], solutions: 'maybe' }), { sessions: 0, lessons: [] });
  });

  test('anything else is no lab server', () => {
    for (const body of [undefined, null, 'text', [], { lessons: [] }, { sessions: '1', lessons: [] }, { sessions: 1 }]) {
      assert.equal(parseLabStatus(body), undefined, JSON.stringify(body));
    }
  });
});
