import { useEffect, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, call } from '../api/client';
import type { NodeView } from '../api/types';
import { ErrorBox } from '../ui/error-box';
import { Field, Select } from '../ui/field';
import { Loading, Page } from '../ui/page';
import { useAsync } from '../ui/use-async';
import { useSubmit } from '../ui/use-submit';
import { gpuSummary, parseReport } from '../hosts/host-report';
import {
  ROLE_LABEL,
  hasServing,
  initialForm,
  reviewRows,
  toConfig,
  validate,
  withRecommendation,
  type DeployForm,
  type FormErrors,
} from './deploy-form';
import { formFromConfig } from './node-config';
import { Recommendation } from './recommendation';

type Step = 'role' | 'addresses' | 'serving' | 'review';
const STEP_LABEL: Record<Step, string> = {
  role: 'Role and network',
  addresses: 'Addresses and keys',
  serving: 'Model',
  review: 'Review',
};
/** The fields under "Advanced" on the addresses step. */
const ADVANCED_FIELDS: (keyof DeployForm)[] = ['bundleName', 'extraValues'];
/** Which fields each step owns: "Next" checks only those. */
const STEP_FIELDS: Record<Step, (keyof DeployForm)[]> = {
  role: ['role', 'name', 'network', 'seedApiUrl', 'seedP2pAddress'],
  addresses: [
    'publicHost',
    'apiPort',
    'apiExternalPort',
    'p2pExternalPort',
    'accountPubkey',
    'keyName',
    'hfHome',
    'bundleName',
    'extraValues',
  ],
  serving: ['model', 'args', 'maxConcurrent', 'sizeGb'],
  review: [],
};

/**
 * The deploy wizard: role and network → addresses, ports and the account's public key → the
 * recommender's proposal for this host's GPUs (each value with its reason, every value editable) →
 * a review of exactly what will be deployed → deploy, which opens the live task.
 */
export function DeployWizard() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const loaded = useAsync(
    async (signal) => {
      const [host, nodes] = await Promise.all([
        call(api.GET('/api/v1/hosts/{id}', { params: { path: { id } }, signal })),
        call(api.GET('/api/v1/nodes', { signal })),
      ]);
      return { host, node: nodes.nodes.find((n) => n.hostId === id) ?? null };
    },
    [id],
  );
  if (loaded.error)
    return (
      <Page title="Deploy a node">
        <ErrorBox error={loaded.error} onRetry={loaded.reload} />
      </Page>
    );
  if (!loaded.data) return <Loading what="the host" />;
  return (
    <Wizard
      hostId={id}
      hostName={loaded.data.host.name}
      gpus={gpuSummary(parseReport(loaded.data.host.lastReport)?.probe?.gpus ?? [])}
      node={loaded.data.node}
      onDeployed={(taskId) => navigate(`/tasks/${taskId}`)}
    />
  );
}

function Wizard({
  hostId,
  hostName,
  gpus,
  node,
  onDeployed,
}: {
  hostId: string;
  hostName: string;
  gpus: string;
  node: NodeView | null;
  onDeployed: (taskId: string) => void;
}) {
  const [form, setForm] = useState<DeployForm>(() =>
    node ? formFromConfig(node.config, initialForm(hostName)) : initialForm(hostName),
  );
  const [step, setStep] = useState<Step>('role');
  const [touched, setTouched] = useState<Set<keyof DeployForm>>(new Set());
  const [rec, setRec] = useState<Recommendation | null>(null);
  // The advanced fields are rendered only while open (a closed <details> still lays its content out
  // for some checks), and open by themselves when a saved configuration already uses them.
  const [advanced, setAdvanced] = useState(
    () => form.bundleName !== initialForm(hostName).bundleName || form.extraValues.trim() !== '',
  );
  const errors = useMemo(() => validate(form), [form]);
  const steps: Step[] = hasServing(form.role)
    ? ['role', 'addresses', 'serving', 'review']
    : ['role', 'addresses', 'review'];
  const index = steps.indexOf(step);

  // Inline validation: an error shows once the field was left or its step submitted.
  const shown: FormErrors = Object.fromEntries(
    Object.entries(errors).filter(([k]) => touched.has(k as keyof DeployForm)),
  );
  const bind = (k: keyof DeployForm) => ({
    value: form[k],
    onChange: (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value })),
    onBlur: () => setTouched((t) => new Set(t).add(k)),
    error: shown[k],
  });

  const recommendation = useSubmit(async () => {
    const query = {
      network: form.network,
      ...(form.network !== 'mainnet' && form.seedApiUrl ? { seedApi: form.seedApiUrl.trim() } : {}),
    };
    const raw = await call(
      api.GET('/api/v1/hosts/{id}/recommendation', { params: { path: { id: hostId }, query } }),
    );
    const parsed = Recommendation.safeParse(raw);
    if (!parsed.success) throw new Error('the recommender answered in a form this console does not know');
    setRec(parsed.data);
    // The proposal fills the serving fields unless the operator already set them.
    setForm((f) => (f.model ? f : withRecommendation(f, parsed.data)));
  });
  useEffect(() => {
    if (step === 'serving' && !rec && !recommendation.busy && !recommendation.error)
      void recommendation.run();
  }, [step, rec, recommendation]);

  const next = (e: FormEvent) => {
    e.preventDefault();
    const fields = STEP_FIELDS[step];
    setTouched((t) => new Set([...t, ...fields]));
    const bad = fields.filter((f) => errors[f]);
    if (bad.length) {
      if (bad.some((f) => ADVANCED_FIELDS.includes(f))) setAdvanced(true);
      // After the render that may have opened the advanced fields.
      requestAnimationFrame(() => document.getElementById(`field-${bad[0]}`)?.focus());
      return;
    }
    const to = steps[index + 1];
    if (to) setStep(to);
  };

  const deploy = useSubmit(async () => {
    const config = toConfig(form, rec);
    const saved = node
      ? await call(
          api.PUT('/api/v1/nodes/{id}/config', { params: { path: { id: node.id } }, body: { config } }),
        )
      : await call(api.POST('/api/v1/nodes', { body: { hostId, config } }));
    const task = await call(
      api.POST('/api/v1/nodes/{id}/deploy', {
        params: { path: { id: saved.id } },
        body: { acceptWarnings: [] },
      }),
    );
    onDeployed(task.id);
  });

  return (
    <Page title={node ? `Re-deploy ${node.name}` : `Deploy a node on ${hostName}`}>
      <ol className="steps" aria-label="Steps">
        {steps.map((s, i) => (
          <li key={s} aria-current={s === step ? 'step' : undefined} className={i < index ? 'done' : ''}>
            {i < index ? (
              <button type="button" className="link" onClick={() => setStep(s)}>
                {i + 1}. {STEP_LABEL[s]}
              </button>
            ) : (
              <span>
                {i + 1}. {STEP_LABEL[s]}
              </span>
            )}
          </li>
        ))}
      </ol>
      <form
        onSubmit={step === 'review' ? (e) => (e.preventDefault(), void deploy.run()) : next}
        className="stack"
        noValidate
      >
        <h2>{STEP_LABEL[step]}</h2>
        {step === 'role' && (
          <>
            <Select
              label="What to run on this host"
              value={form.role}
              onChange={(role) => setForm((f) => ({ ...f, role }))}
              options={(['full', 'network', 'mlnode'] as const).map((r) => ({
                value: r,
                label: ROLE_LABEL[r],
              }))}
              hint={`This host: ${gpus}. A full node needs GPUs; a network node does not.`}
            />
            <Field label="Node name" id="field-name" {...bind('name')} required />
            <Select
              label="Network"
              value={form.network}
              onChange={(network) => setForm((f) => ({ ...f, network }))}
              options={[
                { value: 'mainnet', label: 'Gonka mainnet' },
                { value: 'testnet', label: 'Testnet' },
                { value: 'sim', label: 'Simulated network (tests and demos)' },
              ]}
            />
            {form.network !== 'mainnet' && (
              <>
                <Field
                  label="Seed node API URL"
                  id="field-seedApiUrl"
                  {...bind('seedApiUrl')}
                  placeholder="http://seed.example.org:8000"
                  hint="The seed node this node syncs from and registers with."
                />
                <Field
                  label="Seed node P2P address"
                  id="field-seedP2pAddress"
                  {...bind('seedP2pAddress')}
                  placeholder="tcp://seed.example.org:5000"
                />
              </>
            )}
          </>
        )}
        {step === 'addresses' && (
          <>
            <Field
              label="Public address of this host"
              id="field-publicHost"
              {...bind('publicHost')}
              placeholder="203.0.113.7 or node.example.org"
              hint="The IP or DNS name the world reaches this host at. Behind NAT: your router’s public address. It is written on chain at registration."
            />
            <div className="row">
              <Field
                label="API port on the host"
                id="field-apiPort"
                inputMode="numeric"
                {...bind('apiPort')}
              />
              <Field
                label="Public API port (NAT)"
                id="field-apiExternalPort"
                inputMode="numeric"
                {...bind('apiExternalPort')}
                hint="Only when your router forwards another port to it."
              />
              <Field
                label="Public P2P port (NAT)"
                id="field-p2pExternalPort"
                inputMode="numeric"
                {...bind('p2pExternalPort')}
                hint="Default 5000."
              />
            </div>
            {form.role !== 'mlnode' && (
              <Field
                label="Account public key"
                id="field-accountPubkey"
                {...bind('accountPubkey')}
                spellCheck={false}
                autoComplete="off"
                hint={
                  <>
                    The public half of your cold key only: on your own machine run{' '}
                    <code>inferenced keys show gonka-account-key</code> and copy its <code>key</code> value.
                    Never paste the recovery phrase.
                  </>
                }
              />
            )}
            <Field
              label="Warm key name"
              id="field-keyName"
              {...bind('keyName')}
              hint="Made on the host; its secret never leaves it."
            />
            <Field label="Model cache folder (HF_HOME)" id="field-hfHome" {...bind('hfHome')} />
            <details
              className="advanced"
              open={advanced}
              onToggle={(e) => setAdvanced((e.target as HTMLDetailsElement).open)}
            >
              <summary>Advanced: bundle and further parameters</summary>
              {advanced && (
                <>
                  <Field
                    label="Bundle"
                    id="field-bundleName"
                    {...bind('bundleName')}
                    hint="gonka-join is the official release; another name for your own signed bundle (or the sim's)."
                    spellCheck={false}
                  />
                  <Field
                    label="Further bundle parameters (NAME=value, one per line)"
                    id="field-extraValues"
                    multiline
                    {...bind('extraValues')}
                    hint="Checked against the bundle's own parameter schema on the host; never a secret."
                    spellCheck={false}
                  />
                </>
              )}
            </details>
          </>
        )}
        {step === 'serving' && (
          <ServingStep
            rec={rec}
            loading={recommendation.busy}
            error={recommendation.error}
            onRetry={() => void recommendation.run()}
            onUseProposal={() => rec && setForm((f) => withRecommendation(f, rec))}
          >
            <Field label="Model" id="field-model" {...bind('model')} spellCheck={false} />
            <Field
              label="vLLM arguments (one per line)"
              id="field-args"
              multiline
              {...bind('args')}
              spellCheck={false}
            />
            <div className="row">
              <Field
                label="Max concurrent requests"
                id="field-maxConcurrent"
                inputMode="numeric"
                {...bind('maxConcurrent')}
              />
              <Field label="Weights size (GB)" id="field-sizeGb" inputMode="decimal" {...bind('sizeGb')} />
            </div>
          </ServingStep>
        )}
        {step === 'review' && (
          <>
            <p>
              This is exactly what will be deployed on {hostName}. Secrets are made on the host and never
              shown here.
            </p>
            <dl className="facts review" data-testid="review">
              {reviewRows(form).map((r) => (
                <div key={r.label} className="review-row">
                  <dt>{r.label}</dt>
                  <dd>
                    <code className="wrap">{r.value}</code>
                  </dd>
                </div>
              ))}
            </dl>
            {Object.keys(errors).length > 0 && (
              <div className="error-box" role="alert">
                <p className="error-title">Some values need fixing first</p>
                <ul>
                  {Object.entries(errors).map(([k, m]) => (
                    <li key={k}>{m}</li>
                  ))}
                </ul>
              </div>
            )}
            <ErrorBox error={deploy.error} />
          </>
        )}
        <div className="actions">
          {index > 0 && (
            <button type="button" onClick={() => setStep(steps[index - 1] ?? 'role')}>
              Back
            </button>
          )}
          {step === 'review' ? (
            <button
              type="submit"
              className="primary"
              disabled={deploy.busy || Object.keys(errors).length > 0}
            >
              {deploy.busy ? 'Starting the deploy…' : 'Deploy'}
            </button>
          ) : (
            <button type="submit" className="primary">
              Next
            </button>
          )}
          <Link to={`/hosts/${hostId}`}>Cancel</Link>
        </div>
      </form>
    </Page>
  );
}

function ServingStep({
  rec,
  loading,
  error,
  onRetry,
  onUseProposal,
  children,
}: {
  rec: Recommendation | null;
  loading: boolean;
  error: ReturnType<typeof useSubmit>['error'];
  onRetry: () => void;
  onUseProposal: () => void;
  children: ReactNode;
}) {
  return (
    <>
      {loading && <p role="status">Asking the recommender for this host’s GPUs…</p>}
      <ErrorBox error={error} onRetry={onRetry} />
      {rec && !rec.viable && (
        <div className="notice" role="note">
          <p>
            <strong>No model fits this host:</strong> {rec.reason}
          </p>
          <p>Set the values by hand, or go back and deploy a network node only.</p>
        </div>
      )}
      {rec?.viable && (
        <section className="panel" aria-labelledby="proposal-h" data-testid="proposal">
          <h3 id="proposal-h">The recommender’s proposal</h3>
          <p>
            <strong>{rec.model}</strong> with tensor parallel {rec.tensorParallelSize} ({rec.instances}{' '}
            {rec.instances === 1 ? 'instance' : 'instances'}), up to {rec.maxConcurrent} concurrent requests.
            {rec.allowedModels.source === 'bundle' &&
              ` The network did not answer, so the bundle’s model list was used${rec.allowedModels.fallbackReason ? ` (${rec.allowedModels.fallbackReason})` : ''}.`}
          </p>
          <ul className="reasons">
            {rec.reasons.map((r) => (
              <li key={r.field}>
                <strong>{r.field}</strong> = <code className="wrap">{r.value}</code>: {r.reason}
              </li>
            ))}
          </ul>
          {rec.notViable.length > 0 && (
            <details>
              <summary>Models that do not fit ({rec.notViable.length})</summary>
              <ul>
                {rec.notViable.map((m) => (
                  <li key={m.model}>
                    {m.model}: {m.reason}
                  </li>
                ))}
              </ul>
            </details>
          )}
          <button type="button" onClick={onUseProposal}>
            Reset the fields to the proposal
          </button>
        </section>
      )}
      {children}
    </>
  );
}
