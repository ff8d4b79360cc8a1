// Runs one port's contract against each implementation (the in-memory fake, the DynamoDB adapter on dynalite), so a
// unit test on the fake says something about production (STYLE.md habit 13).
import { startLocalAws, type LocalAws } from '../../lib/local/aws-stand-ins.js';

/** One implementation of a port under contract: a fresh instance per test, and what it needs around the file. */
export interface Subject<T> {
  name: string;
  make: () => T;
  setUp?: () => Promise<void>;
  tearDown?: () => Promise<void>;
}

/** The in-memory fake of a port. */
export function inMemory<T>(name: string, make: () => T): Subject<T> {
  return { name, make };
}

/** The DynamoDB adapter of a port, on one dynalite server for the file's tests. */
export function onLocalDynamoDb<T>(name: string, build: (aws: LocalAws) => T): Subject<T> {
  let aws: LocalAws | undefined;
  return {
    name,
    make: () => {
      if (aws === undefined) throw new Error('local AWS is not started');
      return build(aws);
    },
    setUp: async () => {
      aws = await startLocalAws();
    },
    tearDown: async () => {
      await aws?.close();
    },
  };
}

/** Runs `contract` once per subject, each in its own describe block. */
export function describeContract<T>(port: string, subjects: Subject<T>[], contract: (make: () => T) => void): void {
  describe(`${port} contract`, () => {
    describe.each(subjects.map((subject) => [subject.name, subject] as const))('%s', (_name, subject) => {
      beforeAll(async () => {
        await subject.setUp?.();
      });

      afterAll(async () => {
        await subject.tearDown?.();
      });

      contract(subject.make);
    });
  });
}

let accounts = 0;
/** A fresh account per test, so tests on a shared table never see each other's items. */
export const newAccount = (): string => `contract-${process.pid}-${(accounts += 1)}`;
