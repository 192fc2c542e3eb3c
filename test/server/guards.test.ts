// The server's guards, on a fake clock: the connection gate, the token
// throttle, the rate-limited log of other people's requests, the meters.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuthThrottle, ConnectionGate, type Admission } from '../../lab/server/gate.ts';
import { quote, RateLimitedLog, QUOTE_MAX } from '../../lab/server/log.ts';
import { TokenBucket } from '../../lab/server/meter.ts';

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 0;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('the connection gate', () => {
  test('caps connections without a hello per address, and keeps room for those who said hello', () => {
    const gate = new ConnectionGate({ maxConnections: 40, maxPendingPerAddress: 4 });
    const mallory: Admission[] = [];
    for (let i = 0; i < 4; i++) {
      const a = gate.admit('10.0.0.66');
      assert.notEqual(typeof a, 'string');
      mallory.push(a as Admission);
    }
    assert.match(String(gate.admit('10.0.0.66')), /from this address/);
    // Others still get in, and once they said hello they no longer count as pending.
    const alice = gate.admit('10.0.0.1') as Admission;
    alice.authenticated();
    assert.deepEqual(gate.stats, { open: 5, pending: 4 });
    // Mallory's slots come back when they close.
    mallory[0]!.closed();
    mallory[0]!.closed(); // twice is once
    assert.notEqual(typeof gate.admit('10.0.0.66'), 'string');
  });

  test('at most half of the connections may be without a hello, from all addresses together', () => {
    const gate = new ConnectionGate({ maxConnections: 10, maxPendingPerAddress: 100 });
    for (let i = 0; i < 5; i++) assert.notEqual(typeof gate.admit(`10.0.1.${i}`), 'string');
    assert.match(String(gate.admit('10.0.1.99')), /without a hello/);
  });

  test('never more connections than the limit', () => {
    const gate = new ConnectionGate({ maxConnections: 4, maxPendingPerAddress: 100 });
    for (let i = 0; i < 4; i++) (gate.admit(`10.0.2.${i}`) as Admission).authenticated();
    assert.equal(gate.admit('10.0.2.9'), 'too many connections');
  });
});

describe('the token throttle', () => {
  test('a burst of wrong tokens, then a few a minute; other addresses are not affected', () => {
    const c = clock();
    const t = new AuthThrottle(6, 10, c.now);
    let tried = 0;
    for (let i = 0; i < 1000; i++) {
      if (!t.mayTry('10.0.0.66')) continue;
      tried++;
      t.failed('10.0.0.66');
    }
    assert.equal(tried, 10, 'the burst');
    assert.ok(t.mayTry('10.0.0.1'));
    c.advance(10_000); // one more every 10 s
    assert.ok(t.mayTry('10.0.0.66'));
    t.failed('10.0.0.66');
    assert.ok(!t.mayTry('10.0.0.66'));
  });
});

describe('the log of refused requests', () => {
  test('quotes a client text escaped and cut short', () => {
    const origin = `http://evil.example/${'A'.repeat(8000)}\x1b[2J\nlab server: fake line`;
    const q = quote(origin);
    assert.ok(q.length < QUOTE_MAX + 20, `${q.length} characters`);
    assert.ok(!/[\x00-\x1f\x7f]/.test(q), 'no control characters');
    assert.equal(quote('a\x1b[2Jb\nc'), '"a\\u001b[2Jb\\nc"');
    assert.equal(quote(undefined), '-');
  });

  test('at most N lines a minute, then one line with the count', () => {
    const c = clock();
    const lines: string[] = [];
    const log = new RateLimitedLog('refused upgrades', (l) => lines.push(l), 10, 60_000, c.now);
    for (let i = 0; i < 1000; i++) log.log(`refused ${i}`);
    assert.equal(lines.length, 10);
    c.advance(60_000);
    log.log('refused again');
    assert.deepEqual(lines.slice(10), ['lab server: 990 more refused upgrades not logged in the last 60 s', 'refused again']);
    log.flush();
  });
});

test('a token bucket: within budget is free, past it says how long to wait', () => {
  const c = clock();
  const b = new TokenBucket(100, 100, c.now);
  assert.equal(b.take(100), 0);
  assert.equal(b.take(50), 500);
  c.advance(1000);
  assert.ok(b.has(40));
  assert.ok(!b.isFull);
  c.advance(10_000);
  assert.ok(b.isFull);
});
