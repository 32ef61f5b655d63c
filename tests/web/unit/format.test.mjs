// Formatting of API values and the mapping of server errors to form fields.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadLib } from './load.mjs';

const f = await loadLib('format');

test('API times are UTC without a zone suffix', () => {
  assert.equal(f.parseApiTime('2026-11-23T09:56:35.934').toISOString(), '2026-11-23T09:56:35.934Z');
  assert.equal(f.formatTime('2026-11-23T09:56:35.934'), '2026-11-23 09:56 UTC');
  assert.equal(f.formatTime('not a time'), 'not a time');
  const now = new Date('2026-11-23T12:00:00Z');
  assert.equal(f.formatAgo('2026-11-23T11:59:30.000', now), '30 s ago');
  assert.equal(f.formatAgo('2026-11-23T11:00:00.000', now), '1 h ago');
  assert.equal(f.formatAgo('2026-11-20T12:00:00.000', now), '3 d ago');
});

test('money keeps the digits small amounts need; unpriced shows a dash', () => {
  assert.equal(f.formatMoney(14.852), '$14.85');
  assert.equal(f.formatMoney(0.0042), '$0.0042');
  assert.equal(f.formatMoney(0.000123), '$0.000123');
  assert.equal(f.formatMoney(0), '$0.00');
  assert.equal(f.formatMoney(null), '—');
  assert.equal(f.formatMoney(3, 'CNY'), '¥3.00');
});

test('counts, ready fraction and status tones', () => {
  assert.equal(f.formatCount(1234), '1,234');
  assert.equal(f.formatCount(1234567), '1.23 M');
  assert.equal(f.readyFraction(2, 4), 0.5);
  assert.equal(f.readyFraction(0, 0), 1);
  assert.equal(f.readyFraction(6, 4), 1);
  assert.equal(f.statusTone('RUNNING'), 'ok');
  assert.equal(f.statusTone('UPDATING'), 'busy');
  assert.equal(f.statusTone('UPDATING_FAILED'), 'bad');
  assert.equal(f.statusTone('STOPPED'), 'idle');
});

test('the field a server error names', () => {
  const fields = ['capacity', 'name', 'suffix', 'tpm_limit', 'ptu_capacity.input_tpm', 'ptu_capacity.output_tpm', 'ptu_capacity'];
  assert.equal(f.fieldOfError('Invalid capacity (3), capacity must be larger than or equal to 0 and multiples of 2 and less than 1000!', fields), 'capacity');
  assert.equal(f.fieldOfError('ptu_capacity.input_tpm 200000000 needs 2000 replicas', fields), 'ptu_capacity.input_tpm');
  assert.equal(f.fieldOfError('suffix must be 1-8 characters of [a-z0-9]', fields), 'suffix');
  assert.equal(f.fieldOfError('Model: qwen-x not found!', fields), null);
  assert.equal(f.fieldOfError('deployed_model_name taken', ['name']), null);
});
