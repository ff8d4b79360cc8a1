#!/usr/bin/env node
// The `shipstation-klaviyo` command: loads the TypeScript CLI (lib/cli/main.ts) through tsx's ESM loader API, with
// quiet service logs (POWERTOOLS_LOG_LEVEL=INFO shows them), no EMF metric lines (the CLI is not a Lambda; CloudWatch
// would never read them) and no Node-version warning from the AWS SDK.
import { register } from 'tsx/esm/api';

process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_SERVICE_NAME ??= 'shipstation-klaviyo-sync';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main, processIo } = await import('../lib/cli/main.ts');
process.exitCode = await main(process.argv.slice(2), processIo());
