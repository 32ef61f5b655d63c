// The hourly cost estimate from the catalog (GET /api/v1/deployments/models?version=v1.0), as
// docs/billing.md bills it: mu and cu capacity costs the template's hourly price (one replica)
// per replica's worth of units. ptu and lora prices are not in the models API: their estimate
// comes from the server (estimated_hourly_cost) after create. Pure.

export interface Template {
  template_id: string;
  deploy_spec: string;
  capacity_unit_per_instance: number;
  hourly_price: number | null;
  template_desc?: string;
}

export interface ModelPlan {
  plan: string;
  templates?: Template[];
  cu_specs?: Template[];
}

export interface CatalogModel {
  model_name: string;
  display_name?: string;
  model_source: string;
  base_model: string;
  supported_plans: string[];
  plans: ModelPlan[];
}

export function specsOf(model: CatalogModel | undefined, plan: string): Template[] {
  const p = model?.plans.find((x) => x.plan === plan);
  if (!p) return [];
  return (plan === 'cu' ? p.cu_specs : p.templates) ?? [];
}

// null: no price known (or not billed per hour).
export function hourlyCost(spec: Template | undefined, capacity: number): number | null {
  if (!spec || spec.hourly_price === null || spec.hourly_price === undefined) return null;
  if (!(capacity >= 0) || spec.capacity_unit_per_instance <= 0) return null;
  return Math.round((capacity / spec.capacity_unit_per_instance) * spec.hourly_price * 1e6) / 1e6;
}

// The capacity rule the server applies (docs/api.md): 0 ≤ n < 1000, a multiple of the units
// per replica. Returns the problem, or null when the value is acceptable.
export function capacityProblem(capacity: number, unitsPerReplica: number): string | null {
  if (!Number.isInteger(capacity)) return 'capacity must be a whole number';
  if (capacity < 0 || capacity >= 1000) return 'capacity must be between 0 and 999';
  if (unitsPerReplica > 0 && capacity % unitsPerReplica !== 0) {
    return `capacity must be a multiple of ${unitsPerReplica} (units per replica)`;
  }
  return null;
}

// ptu rules: input a positive multiple of 10,000; output a positive multiple of 1,000.
export function ptuProblem(inputTpm: number, outputTpm: number): string | null {
  if (!Number.isInteger(inputTpm) || inputTpm <= 0 || inputTpm % 10000 !== 0) {
    return 'input TPM must be a positive multiple of 10,000';
  }
  if (!Number.isInteger(outputTpm) || outputTpm <= 0 || outputTpm % 1000 !== 0) {
    return 'output TPM must be a positive multiple of 1,000';
  }
  return null;
}

// Replicas ptu capacity needs at the default sizing (100,000 input / 10,000 output tpm each).
export function ptuReplicas(inputTpm: number, outputTpm: number): number {
  return Math.max(Math.ceil(inputTpm / 100000), Math.ceil(outputTpm / 10000), 1);
}

// The estimated cost of a deployment in the list: mu/cu from the catalog while it runs.
export function deploymentHourlyCost(
  d: { plan: string; model_name: string; model_unit_spec?: string; capacity: number; status: string },
  catalog: CatalogModel[],
): number | null {
  if (d.plan !== 'mu' && d.plan !== 'cu') return null;
  const model = catalog.find((m) => m.model_name === d.model_name);
  const specs = specsOf(model, d.plan);
  const spec = specs.find((s) => s.deploy_spec === d.model_unit_spec) ?? specs[0];
  return hourlyCost(spec, d.capacity);
}
