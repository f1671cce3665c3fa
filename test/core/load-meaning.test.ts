import {describe, expect, it} from 'vitest';
import {kubernetesMeaning, roleFromFileName, roleFromSubject} from '../../source/core/pki/meaning.js';

describe('the role a file name says (hard-way and kubeadm names, reference §2 and §7)', () => {
	it.each([
		['pki/ca.pem', 'ca'],
		['pki/ca-key.pem', 'ca'],
		['pki/kubernetes.pem', 'apiserver'],
		['pki/admin.pem', 'admin'],
		['pki/kube-controller-manager-key.pem', 'controller-manager'],
		['pki/kube-scheduler.pem', 'scheduler'],
		['pki/kube-proxy.kubeconfig', 'proxy'],
		['pki/service-account.pem', 'service-account'],
		['/etc/kubernetes/pki/ca.crt', 'ca'],
		['/etc/kubernetes/pki/apiserver.crt', 'apiserver'],
		['/etc/kubernetes/pki/apiserver-kubelet-client.key', 'apiserver-kubelet-client'],
		['/etc/kubernetes/pki/apiserver-etcd-client.crt', 'apiserver-etcd-client'],
		['/etc/kubernetes/pki/front-proxy-ca.crt', 'ca'],
		['/etc/kubernetes/pki/front-proxy-client.crt', 'front-proxy-client'],
		['/etc/kubernetes/pki/etcd/ca.crt', 'ca'],
		['/etc/kubernetes/pki/etcd/server.crt', 'etcd-server'],
		['/etc/kubernetes/pki/etcd/peer.key', 'etcd-peer'],
		['/etc/kubernetes/pki/etcd/healthcheck-client.crt', 'etcd-healthcheck-client'],
		['pki/etcd.pem', 'etcd'],
		['/etc/kubernetes/pki/sa.pub', 'service-account'],
		['/etc/kubernetes/admin.conf', 'admin'],
		['/etc/kubernetes/super-admin.conf', 'admin'],
		['/etc/kubernetes/controller-manager.conf', 'controller-manager'],
		['/etc/kubernetes/scheduler.conf', 'scheduler'],
		['/etc/kubernetes/kubelet.conf', 'kubelet'],
	])('%s → %s', (file, role) => {
		expect(roleFromFileName(file)).toBe(role);
	});

	it('says nothing for a name it does not know (a worker\'s pem): the subject decides then', () => {
		expect(roleFromFileName('pki/worker-0.pem')).toBeUndefined();
		expect(roleFromFileName('pki/server.crt')).toBeUndefined();
	});
});

describe('the role a subject suggests', () => {
	const subject = (commonName: string, organizations: string[] = [], isCA = false) => ({commonName, organizations, isCA, extKeyUsage: []});
	it.each([
		[subject('system:node:worker-0', ['system:nodes']), 'kubelet'],
		[subject('system:nodes:worker-0', ['system:nodes']), 'kubelet'],
		[subject('worker-0', ['system:nodes']), 'kubelet'],
		[subject('system:kube-controller-manager'), 'controller-manager'],
		[subject('system:kube-scheduler'), 'scheduler'],
		[subject('system:kube-proxy'), 'proxy'],
		[subject('kube-admin', ['system:masters']), 'admin'],
		[subject('kubernetes-admin', ['kubeadm:cluster-admins']), 'admin'],
		[subject('kube-apiserver'), 'apiserver'],
		[subject('kube-etcd-healthcheck-client'), 'etcd-healthcheck-client'],
		[subject('kube-apiserver-etcd-client'), 'apiserver-etcd-client'],
		[subject('etcd-member-1'), 'etcd'],
		[subject('Kubernetes', [], true), 'ca'],
		[subject('my-bank.com'), 'other'],
	])('%o → %s', (facts, role) => {
		expect(roleFromSubject(facts)).toBe(role);
	});
});

describe('the user and groups the API server would see', () => {
	it('CN is the user and O the groups, for a client certificate', () => {
		expect(kubernetesMeaning('pki/admin.pem', {commonName: 'admin', organizations: ['system:masters'], isCA: false, extKeyUsage: ['clientAuth']})).toEqual({
			user: 'admin',
			groups: ['system:masters'],
			role: 'admin',
			roleFrom: 'file',
		});
	});

	it('no user for a CA or a server-only certificate: they cannot log in', () => {
		expect(kubernetesMeaning('x/ca.crt', {commonName: 'kubernetes', organizations: [], isCA: true, extKeyUsage: []}).user).toBeNull();
		expect(kubernetesMeaning('x/apiserver.crt', {commonName: 'kube-apiserver', organizations: [], isCA: false, extKeyUsage: ['serverAuth']}).user).toBeNull();
	});

	it('the manifest\'s role wins over the file name, and a CA stays a CA whatever its name', () => {
		expect(kubernetesMeaning('pki/node1.pem', {commonName: 'x', organizations: [], isCA: false, extKeyUsage: []}, 'kubelet')).toMatchObject({role: 'kubelet', roleFrom: 'manifest'});
		expect(kubernetesMeaning('pki/admin.pem', {commonName: 'x', organizations: [], isCA: true, extKeyUsage: []})).toMatchObject({role: 'ca'});
	});
});

describe('one role set: the loader keeps every role the manifest records', () => {
	it.each(['hardway', 'kubeadm'] as const)('%s: each certificate file the manifest lists is read with the role it recorded', async layout => {
		const {generate} = await import('../../source/core/generate.js');
		const {loadPaths} = await import('../../source/core/pki/load.js');
		const {exampleTopology} = await import('../../source/core/topology.js');
		const {manifestName} = await import('../../source/core/manifest.js');
		const {tempDir} = await import('../helpers/tools.js');
		const {readFileSync} = await import('node:fs');
		const path = await import('node:path');
		const out = tempDir(`kubepki-roles-${layout}-`);
		await generate({...exampleTopology(), algorithm: 'ecdsa-p256'}, {outDir: out, layout});
		const manifest = JSON.parse(readFileSync(path.join(out, manifestName), 'utf8')) as {files: Array<{path: string; role?: string; kind?: string}>};
		const recorded = manifest.files.filter(file => file.role && file.kind === 'certificate');
		const {items} = await loadPaths([out]);
		const read = recorded.map(file => {
			const item = items.find(i => i.kind === 'certificate' && i.path === path.join(out, file.path) && i.source === 'pem');
			return [file.path, item?.cert?.isCA ? 'ca' : file.role, item?.kubernetes?.role, item?.kubernetes?.roleFrom];
		});
		expect(recorded.length).toBeGreaterThan(8);
		expect(read.filter(([, wanted, got]) => wanted !== got)).toEqual([]);
		// A leaf's role comes from the manifest (a CA's from its basic constraints).
		expect(read.filter(([, role, , from]) => role !== 'ca' && from !== 'manifest')).toEqual([]);
		// kubeadm splits the API server's jobs: each of its certificates keeps its own role, none dropped to a guess.
		if (layout === 'kubeadm') {
			expect(new Set(read.map(([, , role]) => role))).toEqual(
				new Set(['ca', 'apiserver', 'apiserver-kubelet-client', 'apiserver-etcd-client', 'front-proxy-client', 'etcd-server', 'etcd-peer', 'etcd-healthcheck-client']),
			);
		}
	});
});
