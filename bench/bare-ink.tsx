// The floor for the wizard's first frame: an Ink app that draws one line, bundled as the CLI is.
import {render, Text} from 'ink';
import React from 'react';

render(<Text>bare ink first frame</Text>, {patchConsole: false});
// Stay up until the bench kills it, as the wizard does.
setInterval(() => undefined, 60_000);
