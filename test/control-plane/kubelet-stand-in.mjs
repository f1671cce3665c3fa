// A stand-in for a kubelet's HTTPS port (10250), started by startLab (cluster.ts) inside a network namespace of its
// own. It holds that namespace: when it exits, the namespace and its veth pair go with it.
//
// stdin: a JSON line {address, port, cert, key, ca} once the namespace's interface has its address (each further
// line serves other files in place of the last); the end of stdin (the test process gone) ends it. stdout: JSON lines, {event: 'ready'} at start, {event: 'listening'}, then
// one {event: 'request', path, cn, o} per request and {event: 'tls-error', message} per refused handshake.
import {readFileSync} from 'node:fs';
import {createServer} from 'node:https';
import {createInterface} from 'node:readline';

const say = value => process.stdout.write(`${JSON.stringify(value)}\n`);
const lines = createInterface({input: process.stdin});
let server;

function serve({address, port, cert, key, ca}) {
	// As the kubelet's authentication.x509.clientCAFile: only client certificates of this CA get in.
	server = createServer({cert: readFileSync(cert), key: readFileSync(key), ca: readFileSync(ca), requestCert: true, rejectUnauthorized: true}, (request, response) => {
		const subject = request.socket.getPeerCertificate().subject ?? {};
		say({event: 'request', path: request.url, cn: subject.CN, o: subject.O});
		response.end(request.url === '/healthz' ? 'ok' : 'not found');
	});
	server.on('tlsClientError', error => say({event: 'tls-error', message: error.message}));
	server.listen(port, address, () => say({event: 'listening'}));
}

lines.on('line', line => {
	const files = JSON.parse(line);
	if (!server) return serve(files);
	server.closeAllConnections();
	server.close(() => serve(files));
});
lines.on('close', () => process.exit(0));
say({event: 'ready'});
