import {buildPlan} from '../source/core/plan.js';
import {validateTopology} from '../source/core/topology.js';
import {generateKeyPairHere} from '../source/core/pki/keys.js';
import {issueAll} from '../source/core/pki/issue.js';
const workers = Number(process.argv[2] ?? 50); const algorithm = (process.argv[3] ?? 'ecdsa-p256') as 'ecdsa-p256';
const parsed = validateTopology({masters: [{name: 'master1', ip: '10.128.15.221'}, {name: 'master2', ip: '10.128.15.222'}], workers: Array.from({length: workers}, (_, i) => ({name: `node${i + 1}`, ip: `10.128.${16 + (i >> 8)}.${(i & 255) + 1}`})), loadBalancer: {name: 'lb', ip: '10.128.15.226'}, serviceCIDR: '10.32.0.0/24', cluster: 'k', algorithm});
if (!parsed.ok) throw new Error('bad');
const plan = buildPlan(parsed.topology);
const keys = new Map(await Promise.all(plan.certs.map(async c => [c.id, await generateKeyPairHere(c.algorithm)] as const)));
const promised = () => new Map([...keys].map(([id, k]) => [id, Promise.resolve(k)]));
await issueAll(plan.certs, {keys: promised()}); // warm
const t = performance.now();
const reps = Number(process.argv[4] ?? 3);
for (let i = 0; i < reps; i++) await issueAll(plan.certs, {keys: promised()});
const ms = (performance.now() - t) / reps;
console.log(`${plan.certs.length} certs ${algorithm}: ${ms.toFixed(1)} ms per run, ${(ms / plan.certs.length).toFixed(2)} ms/cert`);
