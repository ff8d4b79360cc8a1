// Tests never reach AWS: fake credentials and a region, quiet logs unless asked for, no EMF lines on stdout (the
// metrics adapter's test turns them on for itself), and a label waiting for its order, or held events waiting for Klaviyo
// to answer again, or history events waiting for a full bulk request, wait a second, not minutes.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
process.env.POWERTOOLS_LOG_LEVEL ??= process.env.TEST_LOG_LEVEL ?? 'SILENT';
process.env.POWERTOOLS_SERVICE_NAME ??= 'shipstation-klaviyo-sync';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.ORDER_WAIT_SECONDS ??= '1';
// History events short of a full bulk request wait a second for more (120 s in production).
process.env.BULK_WAIT_SECONDS ??= '1';
// An outage's first release job after a second (60 s in production).
process.env.OUTAGE_RETRY_SECONDS ??= '1';
// A failed record comes back within 2 s (its backoff in AWS grows to minutes; test/unit/retry.test.ts holds that).
process.env.RETRY_MAX_DELAY_SECONDS ??= '2';
