// Create: model → plan → spec and capacity (or ptu TPM) → limits, with the rules checked as
// one types, the live hourly estimate from the catalog, and the server's error shown next to
// the field its message names.
import { useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { ApiError, api } from '../lib/api';
import { capacityProblem, hourlyCost, ptuProblem, ptuReplicas, specsOf } from '../lib/cost';
import { fieldOfError, formatMoney } from '../lib/format';
import { useAction } from '../lib/hooks';
import { ErrorBox } from '../ui';
import { useCatalog } from './deployments';

const FIELDS = ['model_name', 'plan', 'name', 'capacity', 'deploy_spec', 'suffix', 'rpm_limit', 'tpm_limit',
  'max_context_length', 'enable_thinking', 'ptu_capacity.input_tpm', 'ptu_capacity.output_tpm', 'ptu_capacity'];

function Field(props: { id: string; label: string; error?: string | null; hint?: string; children: ComponentChildren }) {
  return (
    <div class={`field ${props.error ? 'invalid' : ''}`}>
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint ? <div class="muted">{props.hint}</div> : null}
      {props.error ? <div class="field-error" id={`${props.id}-error`} role="alert">{props.error}</div> : null}
    </div>
  );
}

const num = (e: Event) => (e.target as HTMLInputElement).value;

export function CreatePage() {
  const catalog = useCatalog();
  const models = catalog.data ?? [];
  const [modelName, setModelName] = useState('');
  const [plan, setPlan] = useState('');
  const [spec, setSpec] = useState('');
  const [capacity, setCapacity] = useState('');
  const [inputTpm, setInputTpm] = useState('10000');
  const [outputTpm, setOutputTpm] = useState('1000');
  const [name, setName] = useState('');
  const [suffix, setSuffix] = useState('');
  const [rpm, setRpm] = useState('');
  const [tpm, setTpm] = useState('');
  const [maxContext, setMaxContext] = useState('');
  const [thinking, setThinking] = useState(false);
  const action = useAction();

  const model = models.find((m) => m.model_name === modelName);
  const plans = model?.supported_plans ?? [];
  const activePlan = plans.includes(plan) ? plan : plans[0] ?? '';
  const specs = specsOf(model, activePlan);
  const activeSpec = specs.find((s) => s.deploy_spec === spec) ?? specs[0];
  const units = activeSpec?.capacity_unit_per_instance ?? 1;
  const capacityValue = capacity === '' ? units : Number(capacity);
  const unitPlan = activePlan === 'mu' || activePlan === 'cu';
  const localProblem = unitPlan ? capacityProblem(capacityValue, units)
    : activePlan === 'ptu' ? ptuProblem(Number(inputTpm), Number(outputTpm)) : null;
  const estimate = unitPlan && !localProblem ? hourlyCost(activeSpec, capacityValue) : null;

  const serverError = action.error as ApiError | undefined;
  const serverField = serverError ? fieldOfError(serverError.message, FIELDS) : null;
  const errorFor = (field: string) => (serverField === field ? `${serverError!.code}: ${serverError!.message} (request ${serverError!.requestId})` : null);

  const submit = async (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = { model_name: modelName, plan: activePlan };
    if (name) body.name = name;
    if (suffix) body.suffix = suffix;
    if (unitPlan) {
      body.capacity = capacityValue;
      if (activeSpec) body.deploy_spec = activeSpec.deploy_spec;
    }
    if (activePlan === 'lora') body.capacity = 1;
    if (activePlan === 'ptu') body.ptu_capacity = { input_tpm: Number(inputTpm), output_tpm: Number(outputTpm) };
    if (activePlan === 'mu' && rpm) body.rpm_limit = Number(rpm);
    if (activePlan === 'mu' && tpm) body.tpm_limit = Number(tpm);
    if (activePlan === 'mu' && maxContext) body.max_context_length = Number(maxContext);
    if (activePlan === 'mu' && thinking) body.enable_thinking = true;
    const created = await action.run(() => api('POST', '/deployments', body));
    if (created) location.hash = `#/d/${encodeURIComponent(created.deployed_model)}`;
  };

  return (
    <section>
      <h2>Create a deployment</h2>
      <ErrorBox error={catalog.error} />
      <form class="create" onSubmit={submit} noValidate>
        <Field id="model" label="Model" error={errorFor('model_name')}>
          <select id="model" value={modelName} required onChange={(e) => setModelName((e.target as HTMLSelectElement).value)}>
            <option value="">Choose a model…</option>
            {models.map((m) => (
              <option value={m.model_name} key={m.model_name}>{m.display_name || m.model_name}{m.model_source === 'custom' ? ' (custom)' : ''}</option>
            ))}
          </select>
        </Field>
        {model ? (
          <fieldset>
            <legend>Plan</legend>
            {plans.map((p) => (
              <label class="inline" key={p}>
                <input type="radio" name="plan" value={p} checked={p === activePlan} onChange={() => setPlan(p)} /> {p}
              </label>
            ))}
            <div class="muted">The plan cannot change after creation.</div>
            {errorFor('plan') ? <div class="field-error">{errorFor('plan')}</div> : null}
          </fieldset>
        ) : null}
        {unitPlan ? (
          <>
            <Field id="spec" label="Spec" error={errorFor('deploy_spec')}>
              <select id="spec" value={activeSpec?.deploy_spec} onChange={(e) => setSpec((e.target as HTMLSelectElement).value)}>
                {specs.map((s) => (
                  <option value={s.deploy_spec} key={s.deploy_spec}>
                    {s.deploy_spec} · {s.capacity_unit_per_instance} units per replica · {formatMoney(s.hourly_price)}/h per replica
                  </option>
                ))}
              </select>
            </Field>
            <Field id="capacity" label="Capacity (units)" error={errorFor('capacity') ?? localProblem}
              hint={`A multiple of ${units}, below 1000; ${units} units = one replica.`}>
              <input id="capacity" type="number" min={0} max={999} step={units} value={capacity === '' ? String(units) : capacity}
                onInput={(e) => setCapacity(num(e))} />
            </Field>
          </>
        ) : null}
        {activePlan === 'ptu' ? (
          <>
            <Field id="input_tpm" label="Input TPM" error={errorFor('ptu_capacity.input_tpm') ?? errorFor('ptu_capacity') ?? localProblem}
              hint="A positive multiple of 10,000.">
              <input id="input_tpm" type="number" step={10000} min={10000} value={inputTpm} onInput={(e) => setInputTpm(num(e))} />
            </Field>
            <Field id="output_tpm" label="Output TPM" error={errorFor('ptu_capacity.output_tpm')} hint="A positive multiple of 1,000.">
              <input id="output_tpm" type="number" step={1000} min={1000} value={outputTpm} onInput={(e) => setOutputTpm(num(e))} />
            </Field>
            <p class="muted">{ptuReplicas(Number(inputTpm) || 0, Number(outputTpm) || 0)} replica(s) at the default sizing. The hourly price is shown after create.</p>
          </>
        ) : null}
        {activePlan === 'mu' ? (
          <fieldset>
            <legend>Limits (optional)</legend>
            <Field id="rpm_limit" label="Requests per minute" error={errorFor('rpm_limit')}>
              <input id="rpm_limit" type="number" min={1} value={rpm} onInput={(e) => setRpm(num(e))} />
            </Field>
            <Field id="tpm_limit" label="Tokens per minute" error={errorFor('tpm_limit')}>
              <input id="tpm_limit" type="number" min={1} value={tpm} onInput={(e) => setTpm(num(e))} />
            </Field>
            <Field id="max_context_length" label="Max context length" error={errorFor('max_context_length')} hint="1 to 1,000,000 tokens.">
              <input id="max_context_length" type="number" min={1} max={1000000} value={maxContext} onInput={(e) => setMaxContext(num(e))} />
            </Field>
            <label class="inline">
              <input type="checkbox" checked={thinking} onChange={(e) => setThinking((e.target as HTMLInputElement).checked)} /> enable thinking
            </label>
            {errorFor('enable_thinking') ? <div class="field-error">{errorFor('enable_thinking')}</div> : null}
          </fieldset>
        ) : null}
        {model ? (
          <>
            <Field id="name" label="Display name (optional)" error={errorFor('name')}>
              <input id="name" value={name} maxLength={128} onInput={(e) => setName(num(e))} />
            </Field>
            <Field id="suffix" label="Suffix (optional)" error={errorFor('suffix')} hint="1–8 of a–z, 0–9; needed to deploy a model twice.">
              <input id="suffix" value={suffix} maxLength={8} onInput={(e) => setSuffix(num(e))} />
            </Field>
          </>
        ) : null}
        <div class="estimate" aria-live="polite">
          Estimated cost: <strong id="estimate">{activePlan === 'lora' ? 'billed per token' : formatMoney(estimate)}</strong>
          {estimate !== null ? ' per hour once ready' : ''}
        </div>
        {serverError && !serverField ? <ErrorBox error={serverError} /> : null}
        <button type="submit" disabled={!model || action.busy}>Create</button>
      </form>
    </section>
  );
}
