// The create page's live estimate and rules, and the billing CSV export.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadLib } from './load.mjs';

const cost = await loadLib('cost');
const csv = await loadLib('csv');

const model = {
  model_name: 'qwen3-8b', model_source: 'base', base_model: 'qwen3-8b', supported_plans: ['mu', 'ptu'],
  plans: [{ plan: 'mu', templates: [{ template_id: 'MU1', deploy_spec: 'MU1', capacity_unit_per_instance: 2, hourly_price: 14.852 }] }, { plan: 'ptu' }],
};

test('mu cost: replicas worth of units times the per-replica price (docs/billing.md)', () => {
  const spec = cost.specsOf(model, 'mu')[0];
  assert.equal(cost.hourlyCost(spec, 2), 14.852);
  assert.equal(cost.hourlyCost(spec, 4), 29.704);
  assert.equal(cost.hourlyCost(spec, 0), 0);
  assert.equal(cost.hourlyCost({ ...spec, hourly_price: null }, 2), null);
  assert.deepEqual(cost.specsOf(model, 'ptu'), []);
  assert.equal(cost.deploymentHourlyCost({ plan: 'mu', model_name: 'qwen3-8b', model_unit_spec: 'MU1', capacity: 6, status: 'RUNNING' }, [model]), 44.556);
  assert.equal(cost.deploymentHourlyCost({ plan: 'ptu', model_name: 'qwen3-8b', capacity: 1, status: 'RUNNING' }, [model]), null);
});

test('capacity and ptu rules match the server', () => {
  assert.equal(cost.capacityProblem(4, 2), null);
  assert.equal(cost.capacityProblem(0, 2), null);
  assert.match(cost.capacityProblem(3, 2), /multiple of 2/);
  assert.match(cost.capacityProblem(1000, 2), /between 0 and 999/);
  assert.match(cost.capacityProblem(2.5, 1), /whole number/);
  assert.equal(cost.ptuProblem(10000, 1000), null);
  assert.match(cost.ptuProblem(15000, 1000), /10,000/);
  assert.match(cost.ptuProblem(10000, 0), /1,000/);
  assert.equal(cost.ptuReplicas(10000, 1000), 1);
  assert.equal(cost.ptuReplicas(250000, 1000), 3);
  assert.equal(cost.ptuReplicas(10000, 25000), 3);
});

test('CSV: the API line fields in order, RFC 4180 quoting, nulls empty', () => {
  const lines = [
    { deployed_model: 'a-1', hour: '2026-11-23T10:00:00.000', item: 'mu_units', quantity: 4, unit_price: 7.426, amount: 29.704, priced: true },
    { deployed_model: 'b,"x"', hour: '2026-11-23T11:00:00.000', item: 'lora_input_tokens', quantity: 0.5, tokens: 500, unit_price: null, amount: 0, priced: false },
  ];
  assert.equal(csv.toCsv(lines),
    'deployed_model,hour,item,quantity,unit_price,amount,priced,tokens\r\n' +
    'a-1,2026-11-23T10:00:00.000,mu_units,4,7.426,29.704,true,\r\n' +
    '"b,""x""",2026-11-23T11:00:00.000,lora_input_tokens,0.5,,0,false,500\r\n');
  assert.equal(csv.toCsv([]), '\r\n');
  assert.deepEqual(csv.sumBy(lines, (l) => l.item, (l) => l.amount), [{ key: 'mu_units', value: 29.704 }, { key: 'lora_input_tokens', value: 0 }]);
});
