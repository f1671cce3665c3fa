import {describe, expect, it} from 'vitest';
import {buildPlan} from '../../source/core/plan.js';
import {readingsByCert} from '../../source/core/readings.js';
import {exampleTopology} from '../../source/core/topology.js';
import {unitFiles} from '../../source/core/units.js';
import {etcdFiles} from '../../source/core/etcd.js';

const plan = buildPlan(exampleTopology());
const readings = readingsByCert(plan);
const settings = (certId: string) => (readings.get(certId) ?? []).map(r => `${r.service}@${r.host} ${r.setting}`);

describe('which settings of the generated units read each certificate (the cards\' "Read by")', () => {
	it('finds every flag and field that names the CA, on the first machine that has it', () => {
		expect(settings('ca')).toEqual(
			expect.arrayContaining([
				'etcd@master1 --trusted-ca-file=/etc/etcd/ca.pem',
				'etcd@master1 --peer-trusted-ca-file=/etc/etcd/ca.pem',
				'kube-apiserver@master1 --client-ca-file=/var/lib/kubernetes/ca.pem',
				'kube-apiserver@master1 --etcd-cafile=/var/lib/kubernetes/ca.pem',
				'kube-apiserver@master1 --kubelet-certificate-authority=/var/lib/kubernetes/ca.pem',
				'kube-controller-manager@master1 --cluster-signing-cert-file=/var/lib/kubernetes/ca.pem',
				'kube-controller-manager@master1 --cluster-signing-key-file=/var/lib/kubernetes/ca-key.pem',
				'kube-controller-manager@master1 --root-ca-file=/var/lib/kubernetes/ca.pem',
				'kubelet@node1 authentication.x509.clientCAFile: /var/lib/kubernetes/ca.pem',
			]),
		);
		// The same path on master2 and node2 is said once.
		expect(settings('ca').filter(s => s.includes('@master2') || s.includes('@node2'))).toEqual([]);
	});

	it('gives a kubelet\'s certificate the settings of its own worker only, the kubeconfig that embeds it included', () => {
		expect(settings('kubelet:node2').sort()).toEqual(
			['kubelet@node2 --kubeconfig=/var/lib/kubelet/kubeconfig', 'kubelet@node2 tlsCertFile: /var/lib/kubelet/node2.pem', 'kubelet@node2 tlsPrivateKeyFile: /var/lib/kubelet/node2-key.pem'].sort(),
		);
	});

	it('finds the components\' kubeconfigs and the service-account pair; a certificate no unit reads (admin) has none', () => {
		expect(settings('kube-proxy')).toEqual(['kube-proxy@node1 clientConnection.kubeconfig: /var/lib/kube-proxy/kubeconfig']);
		expect(settings('kube-scheduler')).toEqual(
			expect.arrayContaining(['kube-scheduler@master1 --authentication-kubeconfig=/var/lib/kubernetes/kube-scheduler.kubeconfig', 'kube-scheduler@master1 clientConnection.kubeconfig: /var/lib/kubernetes/kube-scheduler.kubeconfig']),
		);
		expect(settings('kube-controller-manager')).toContain('kube-controller-manager@master1 --kubeconfig=/var/lib/kubernetes/kube-controller-manager.kubeconfig');
		expect(settings('service-account')).toEqual(
			expect.arrayContaining([
				'kube-apiserver@master1 --service-account-key-file=/var/lib/kubernetes/service-account.pem',
				'kube-apiserver@master1 --service-account-signing-key-file=/var/lib/kubernetes/service-account-key.pem',
				'kube-controller-manager@master1 --service-account-private-key-file=/var/lib/kubernetes/service-account-key.pem',
			]),
		);
		expect(readings.get('admin')).toBeUndefined();
	});

	it('says only what the written files say: each setting is a line of that machine\'s unit or configuration file', () => {
		const written = [...unitFiles(plan), ...etcdFiles(plan)];
		const textOf = (host: string) =>
			written
				.filter(f => f.path.startsWith(`units/${host}/`) || f.path === `etcd/${host}.service`)
				.map(f => String(f.content))
				.join('\n');
		let count = 0;
		for (const list of readings.values()) {
			for (const reading of list) {
				// A flag is a line of ExecStart; a field `a.b.c: v` is the last key and its value in the YAML.
				const line = reading.setting.startsWith('--') ? reading.setting : reading.setting.replace(/^.*\.(?=[^.]*: )/, '');
				expect(textOf(reading.host), `${reading.host}: ${reading.setting}`).toContain(line);
				count++;
			}
		}
		expect(count).toBeGreaterThan(20);
	});

	it('has nothing for the kubeadm layout yet (its cards keep the plan\'s consumers)', () => {
		expect(readingsByCert(buildPlan(exampleTopology(), {layout: 'kubeadm'})).size).toBe(0);
	});
});
