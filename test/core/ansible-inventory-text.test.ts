// inventoryYaml writes the inventory's lines itself, asking the yaml package only for values that may need quoting:
// the text must be the one the package writes from its document model (inventoryDocumentYaml), byte for byte, for
// the inventories of real plans (hard way, kubeadm, IPv6) and for names and paths chosen to need quoting.
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {parse as parseYaml} from 'yaml';
import {inventoryDocumentYaml, inventoryGroups, inventoryYaml, type AnsiblePlacement, type InventoryGroups} from '../../source/core/ansible.js';
import {clusterFiles} from '../../source/core/cluster-files.js';
import {layoutFiles} from '../../source/core/layout-files.js';
import {buildPlan, type Plan} from '../../source/core/plan.js';
import {issueAll} from '../../source/core/pki/issue.js';
import {exampleTopology} from '../../source/core/topology.js';
import {ipv6Topology} from '../helpers/ipv6-cluster.js';

const ipv6 = ipv6Topology;

const nowhere = path.join(tmpdir(), 'kubepki-no-such-folder');

/** The document model's text for the data our text holds. */
const modelText = (text: string) => inventoryDocumentYaml((parseYaml(text) as {all: {children: InventoryGroups}}).all.children);

describe('the inventory text', () => {
	it.each([
		['the built-in cluster (hard way)', buildPlan({...exampleTopology(), algorithm: 'ecdsa-p256'})],
		['an IPv6 cluster (hard way)', buildPlan(ipv6)],
		['the built-in cluster (kubeadm)', buildPlan({...exampleTopology(), algorithm: 'ecdsa-p256'}, {layout: 'kubeadm'})],
	] as Array<[string, Plan]>)('is the document model\'s for %s', async (_name, plan) => {
		const issued = await issueAll(plan.certs);
		const files = plan.layout === 'kubeadm' ? await layoutFiles(plan, issued, {outDir: nowhere}) : await clusterFiles(plan, issued, {outDir: nowhere});
		const inventory = files.find(file => file.path.endsWith('/inventory.yml'));
		expect(inventory, 'an inventory is written').toBeDefined();
		const text = String(inventory!.content);
		expect(text).toMatch(/^ {12}- \{ src: /m);
		expect(text).toBe(modelText(text));
	});

	const awkward = ['true', 'No', '0644', '1e3', 'a b', 'a: b', 'a, b', '#x', '[x]', '{x}', '*x', '&x', '!x', '%x', '@x', '"q"', "'q'", 'é', '', '-x', '.inf', 'x:', 'null'];
	it.each(awkward)('is the document model\'s for a host, address and file named %j', name => {
		const from = `nodes/${name}/${name}.pem`;
		const placement: AnsiblePlacement = {
			hosts: [
				{host: name, ip: name, group: 'workers', files: [{from, installTo: [`/etc/${name}/${name}`, `/var/lib/${name}.pem`], services: [name]}]},
				{host: `h${name}`, ip: 'fd00::1', group: name || 'empty', files: [{from: 'nodes/x/ca.pem', installTo: ['/etc/x/ca.pem'], services: []}]},
			],
			files: [
				{path: from, content: '', mode: 0o600, kind: 'private-key'},
				{path: 'nodes/x/ca.pem', content: '', mode: 0o644, kind: 'certificate'},
			],
			dir: 'nodes/ansible',
			services: [name],
		};
		const text = inventoryYaml(placement);
		expect(text).toBe(inventoryDocumentYaml(inventoryGroups(placement)));
		expect(text).toBe(modelText(text));
	});
});
