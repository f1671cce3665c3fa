import {kubeadmCaPath} from './kubeadm.js';
import {hardwayPaths, specById, type Plan} from './plan.js';

/**
 * Where the plan's cluster CA certificate sits in the output folder: `ca.pem` in the hard way, the first master's
 * `pki/ca.crt` in kubeadm's layout. A command that asks "is there a PKI here already?" asks this.
 */
export function caCertPath(plan: Plan): string {
	return plan.layout === 'kubeadm' ? kubeadmCaPath(plan) : hardwayPaths(specById(plan, 'ca')).cert;
}
