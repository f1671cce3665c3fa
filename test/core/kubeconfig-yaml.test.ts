// kubeconfigYaml writes the common kubeconfig itself and leaves the rest to the yaml package: either way the text
// must be the package's own (`stringify(config, {lineWidth: 0})`), byte for byte. Held here against the package for
// the kubeconfigs of real plans and for names chosen to need quoting.
import {describe, expect, it} from 'vitest';
import {stringify} from 'yaml';
import {buildKubeconfig, kubeconfigFiles, kubeconfigYaml, type Kubeconfig} from '../../source/core/kubeconfig.js';
import {buildPlan} from '../../source/core/plan.js';
import {issueAll} from '../../source/core/pki/issue.js';
import {exampleTopology} from '../../source/core/topology.js';
import {kubeadmFiles} from '../../source/core/kubeadm.js';

const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const theirs = (config: Kubeconfig) => stringify(config, {lineWidth: 0});

describe('kubeconfigYaml', () => {
	it('writes every kubeconfig of a plan (hard way and kubeadm) as the yaml package does', async () => {
		const plan = buildPlan({...exampleTopology(), algorithm: 'ecdsa-p256'});
		const issued = await issueAll(plan.certs);
		const files = kubeconfigFiles(plan, issued);
		expect(files.length).toBeGreaterThan(3);
		for (const file of files) {
			const {parse} = await import('yaml');
			expect(file.content, file.path).toBe(theirs(parse(file.content as string) as Kubeconfig));
		}

		const kubeadm = buildPlan({...exampleTopology(), algorithm: 'ecdsa-p256'}, {layout: 'kubeadm'});
		const confs = kubeadmFiles(kubeadm, await issueAll(kubeadm.certs)).filter(file => file.kind === 'kubeconfig');
		expect(confs.length).toBeGreaterThan(3);
		for (const file of confs) {
			const {parse} = await import('yaml');
			expect(file.content, file.path).toBe(theirs(parse(file.content as string) as Kubeconfig));
			expect(file.content as string).toMatch(/^current-context: \S+@\S+$/m);
		}
	});

	const awkward = [
		'kubernetes-the-hard-way',
		'system:node:node1',
		'system:kube-proxy',
		'true',
		'True',
		'null',
		'yes',
		'No',
		'on',
		'~',
		'123',
		'1e3',
		'0x1f',
		'2026-01-01',
		'.inf',
		'-dash',
		'a b',
		'a: b',
		'a #b',
		'#hash',
		'a,b',
		'[x]',
		'{x}',
		'*star',
		'&amp',
		'!tag',
		'%pct',
		'@at',
		'`tick',
		'"quoted"',
		"'single'",
		'trailing ',
		'colon:',
		'a:b:c',
		'user@cluster',
		'kubernetes-admin@kubernetes',
		'x=y',
		'é',
		'tab\there',
		'line\nbreak',
		'',
	];
	it.each(awkward)('writes a kubeconfig naming %j as the yaml package does', name => {
		for (const server of ['https://10.0.0.1:6443', 'https://[fd00::1]:6443', `https://${name}:6443`]) {
			const config = buildKubeconfig({cluster: name, server, caPem: pem, user: name, certPem: pem, keyPem: pem});
			expect(kubeconfigYaml(config)).toBe(theirs(config));
			const renamed = {...config, contexts: [{name, context: {cluster: name, user: name}}], 'current-context': name};
			expect(kubeconfigYaml(renamed)).toBe(theirs(renamed));
		}
	});

	it('writes a kubeconfig of any other shape (two clusters, a namespace, no users) as the yaml package does', () => {
		const config = buildKubeconfig({cluster: 'c', server: 'https://1.2.3.4:6443', caPem: pem, user: 'u', certPem: pem, keyPem: pem});
		const two = {...config, clusters: [...config.clusters, {name: 'd', cluster: {'certificate-authority-data': 'QQ==', server: 'https://5.6.7.8:6443'}}]};
		expect(kubeconfigYaml(two)).toBe(theirs(two));
		const namespaced = {...config, contexts: [{name: 'default', context: {cluster: 'c', user: 'u', namespace: 'kube-system'}}]} as unknown as Kubeconfig;
		expect(kubeconfigYaml(namespaced)).toBe(theirs(namespaced));
		const none = {...config, users: []};
		expect(kubeconfigYaml(none)).toBe(theirs(none));
	});
});
