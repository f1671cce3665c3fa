import {describe, expect, it} from 'vitest';
import {parse as parseYaml, parseAllDocuments} from 'yaml';
import {distribution} from '../../source/core/distribute.js';
import {buildPlan} from '../../source/core/plan.js';
import {unitFiles} from '../../source/core/units.js';
import {exampleTopology} from '../../source/core/topology.js';

const plan = buildPlan(exampleTopology());
const files = unitFiles(plan);
const bundles = distribution(plan);
const content = (p: string) => {
	const file = files.find(f => f.path === p);
	if (!file) throw new Error(`no ${p}`);
	return String(file.content);
};

/** The flags of a unit's ExecStart, as systemd joins its continued lines. */
function execFlags(unit: string): Map<string, string> {
	const lines = unit.split('\n');
	const start = lines.findIndex(line => line.startsWith('ExecStart='));
	const words: string[] = [];
	for (let i = start; i < lines.length; i++) {
		words.push(...lines[i]!.replace(/^ExecStart=/, '').replace(/\\$/, '').trim().split(/\s+/));
		if (!lines[i]!.endsWith('\\')) break;
	}
	return new Map(words.slice(1).map(word => {
		const [name, ...value] = word.replace(/^--/, '').split('=');
		return [name!, value.join('=')];
	}));
}

/** Every absolute path a file names: flag values, and YAML string values. */
const pathsIn = (values: Iterable<string>) => [...values].filter(v => v.startsWith('/'));
function yamlStrings(value: unknown): string[] {
	if (typeof value === 'string') return [value];
	if (Array.isArray(value)) return value.flatMap(yamlStrings);
	if (value && typeof value === 'object') return Object.values(value).flatMap(yamlStrings);
	return [];
}

describe('the units and configs of the services that read the PKI', () => {
	it('names only files that distribute installs on that very machine', () => {
		for (const bundle of bundles) {
			const installed = new Set(bundle.files.flatMap(d => d.installTo));
			const mine = files.filter(f => f.path.startsWith(`units/${bundle.host}/`));
			expect(mine.length, bundle.host).toBe(4);
			for (const file of mine) {
				const text = String(file.content);
				const named = file.path.endsWith('.service') ? pathsIn(execFlags(text).values()) : pathsIn(yamlStrings(parseYaml(text)));
				expect(named.length, file.path).toBeGreaterThan(0);
				for (const p of named) expect(installed, `${file.path} names ${p}`).toContain(p);
			}
		}
	});

	it('says above ExecStart why each flag is there, one line per flag', () => {
		for (const file of files.filter(f => f.path.endsWith('.service'))) {
			const text = String(file.content);
			for (const name of execFlags(text).keys()) expect(text, `${file.path} --${name}`).toMatch(new RegExp(`^#   --${name}: \\S`, 'm'));
		}
	});

	it('gives the API server the flags the issue lists, read from the master\'s install paths', () => {
		const flags = execFlags(content('units/master2/kube-apiserver.service'));
		expect(flags.get('client-ca-file')).toBe('/var/lib/kubernetes/ca.pem');
		expect(flags.get('etcd-servers')).toBe('https://10.128.15.221:2379,https://10.128.15.222:2379');
		expect(flags.get('advertise-address')).toBe('10.128.15.222');
		expect(flags.get('service-cluster-ip-range')).toBe('10.32.0.0/24');
		expect(flags.get('authorization-mode')).toBe('Node,RBAC');
		expect(flags.get('enable-admission-plugins')).toBe('NodeRestriction');
		expect(flags.get('service-account-signing-key-file')).toBe('/var/lib/kubernetes/service-account-key.pem');
		const cm = execFlags(content('units/master1/kube-controller-manager.service'));
		expect(cm.get('cluster-signing-key-file')).toBe('/var/lib/kubernetes/ca-key.pem');
		expect(cm.get('use-service-account-credentials')).toBe('true');
	});

	it('points the kubelet at its own certificate and the kubeconfig it logs in with', () => {
		const config = parseYaml(content('units/node2/kubelet-config.yaml'));
		expect(config.tlsCertFile).toBe('/var/lib/kubelet/node2.pem');
		expect(config.authentication.x509.clientCAFile).toBe('/var/lib/kubernetes/ca.pem');
		expect(config.clusterDNS).toEqual(['10.32.0.10']);
		expect(execFlags(content('units/node2/kubelet.service')).get('kubeconfig')).toBe('/var/lib/kubelet/kubeconfig');
	});

	it('binds the user of kubernetes.pem to the kubelet API, and balances over every master', () => {
		const [role, binding] = parseAllDocuments(content('kube-apiserver-to-kubelet.yaml')).map(d => d.toJS());
		expect(binding.subjects).toEqual([{apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'kubernetes'}]);
		expect(binding.roleRef.name).toBe(role.metadata.name);
		expect(role.rules[0].resources).toContain('nodes/proxy');
		const cfg = content('haproxy.cfg');
		expect(cfg).toContain('bind 10.128.15.226:6443');
		expect(cfg.match(/^ {2}server \S+ \S+:6443 check$/gm)).toEqual(['  server master1 10.128.15.221:6443 check', '  server master2 10.128.15.222:6443 check']);
	});
});

describe('the kubeadm layout\'s units', () => {
	it('names only files of that host\'s folder, as /etc/kubernetes/... (what kubeadm\'s manifests read)', async () => {
		const {kubeadmUnitFiles, kubeadmInstalledAt} = await import('../../source/core/kubeadm-units.js');
		const {kubeadmFiles} = await import('../../source/core/kubeadm.js');
		const {issueAll} = await import('../../source/core/pki/issue.js');
		const kubeadm = buildPlan({...exampleTopology(), algorithm: 'ecdsa-p256'}, {layout: 'kubeadm'});
		const all = [...kubeadmFiles(kubeadm, await issueAll(kubeadm.certs)), ...kubeadmUnitFiles(kubeadm)];
		const units = all.filter(f => f.path.endsWith('.service'));
		expect(units.map(f => f.path)).toContain('master2/systemd/kube-apiserver.service');
		for (const unit of units) {
			const host = unit.path.split('/')[0]!;
			const installed = new Set(all.filter(f => f.path.startsWith(`${host}/`)).map(f => kubeadmInstalledAt(host, f.path)));
			const named = [...execFlags(String(unit.content)).entries()].filter(([name, v]) => v.startsWith('/') && name !== 'data-dir').map(([, v]) => v);
			expect(named.length, unit.path).toBeGreaterThan(0);
			for (const p of named) expect(installed, `${unit.path} names ${p}`).toContain(p);
		}
		const api = execFlags(String(all.find(f => f.path === 'master1/systemd/kube-apiserver.service')!.content));
		expect(api.get('requestheader-client-ca-file')).toBe('/etc/kubernetes/pki/front-proxy-ca.crt');
		expect(api.get('proxy-client-cert-file')).toBe('/etc/kubernetes/pki/front-proxy-client.crt');
		expect(api.get('etcd-certfile')).toBe('/etc/kubernetes/pki/apiserver-etcd-client.crt');
		expect(execFlags(String(all.find(f => f.path === 'master2/systemd/etcd.service')!.content)).get('cert-file')).toBe('/etc/kubernetes/pki/etcd/server.crt');
	});
});
