// The same one-line Ink app as bare-ink.tsx, loaded from node_modules as Node resolves it (no bundle).
import {render, Text} from 'ink';
import React from 'react';

render(React.createElement(Text, null, 'bare ink first frame'), {patchConsole: false});
setInterval(() => undefined, 60_000);
