// The lint rules that hold the dependency direction (STYLE.md): checked on in-memory code at real paths, so a
// loosened eslint.config.js fails here instead of decaying quietly.
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: process.cwd() });

async function violations(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId?.startsWith('no-restricted')).map((m) => m.message);
}

describe('dependency rules', () => {
  it.each([
    ['lib/domain/example.ts', "import { DateTime } from 'luxon';\nexport const x = DateTime;\n", /domain imports nothing but zod/],
    ['lib/domain/example.ts', 'export const get = (): Promise<unknown> => fetch("https://example.com");\n', /Only adapters make HTTP calls/],
    ['lib/use-cases/example.ts', "import { SQSClient } from '@aws-sdk/client-sqs';\nexport const x = SQSClient;\n", /Use cases depend on ports/],
    ['lib/use-cases/example.ts', "import { systemClock } from '../adapters/system-clock.js';\nexport const x = systemClock;\n", /Use cases depend on ports/],
    [
      'functions/example.ts',
      "import { systemClock } from '../lib/adapters/system-clock.js';\nexport const x = systemClock;\n",
      /Handlers go through lib\/wiring/,
    ],
    [
      'lib/normalise/example.ts',
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport const x = DynamoDBClient;\n",
      /Only adapters import the AWS SDK/,
    ],
    ['lib/ports/example.ts', "import { SQSClient } from '@aws-sdk/client-sqs';\nexport const x = SQSClient;\n", /Only adapters import the AWS SDK/],
    [
      'lib/adapters/example.ts',
      "import { makeFetchResource } from '../use-cases/fetch-resource.js';\nexport const x = makeFetchResource;\n",
      /Adapters depend on ports/,
    ],
    [
      'lib/domain/example.ts',
      "import { systemClock } from './../adapters/system-clock.js';\nexport const x = systemClock;\n",
      /domain imports nothing but zod/,
    ],
    ['lib/edge/example.ts', "import { SQSClient } from '@aws-sdk/client-sqs';\nexport const x = SQSClient;\n", /The edge parses events/],
    [
      'lib/cli/example.ts',
      "import { DynamoDbPollCursorStore } from '../adapters/dynamodb-poll-cursor-store.js';\nexport const x = DynamoDbPollCursorStore;\n",
      /The CLI goes through lib\/wiring/,
    ],
    ['lib/domain/example.ts', "import * as z from 'zod';\nexport const s = z.string();\n", /domain imports nothing but zod \(from \.\/zod\.js\)/],
    ['lib/edge/example.ts', "import * as z from 'zod';\nexport const s = z.string();\n", /Import \* as z from lib\/domain\/zod\.js/],
    ['lib/wiring/example.ts', "import * as z from 'zod/mini';\nexport const s = z.string();\n", /Import \* as z from lib\/domain\/zod\.js/],
    ['lib/domain/zod.ts', "export * from 'zod';\n", /zod\/mini, zod\/locales and zod\/v4\/core only/],
  ])('refuses a forbidden import in %s', async (filePath, code, message) => {
    // Act
    const found = await violations(filePath, code);

    // Assess
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });

  it.each([
    ['lib/domain/example.ts', "import * as z from './zod.js';\nexport const s = z.string();\n"],
    [
      'lib/domain/zod.ts',
      "import { config } from 'zod/mini';\nimport { en } from 'zod/locales';\nconfig(en());\nexport * from 'zod/mini';\nexport { $ZodError as ZodError } from 'zod/v4/core';\n",
    ],
    ['lib/adapters/example.ts', "import * as z from '../domain/zod.js';\nexport const s = z.string();\n"],
    ['lib/adapters/example.ts', "import { SQSClient } from '@aws-sdk/client-sqs';\nexport const x = SQSClient;\n"],
    ['lib/use-cases/example.ts', "import type { Clock } from '../ports.js';\nexport type C = Clock;\n"],
  ])('allows what %s may import', async (filePath, code) => {
    // Act
    const found = await violations(filePath, code);

    // Assess
    expect(found).toEqual([]);
  });
});
