// `npm start`'s options: arguments after `--`, each with its variable, an argument winning over its variable.
import { readStartOptions } from '../../lib/local/start-options.js';

describe('readStartOptions', () => {
  it('defaults to the demo: port 3000, schedule, key check and demo shop on, no endpoints file', () => {
    expect(readStartOptions([], {})).toEqual({ ok: true, options: { port: 3000, schedule: true, keyCheck: true, demo: true } });
  });

  it('reads every option from the arguments', () => {
    // Act
    const read = readStartOptions(['--no-schedule', '--no-key-check', '--no-demo', '--port', '0', '--endpoints-file', '/tmp/stack.json'], {});

    // Assess
    expect(read).toEqual({ ok: true, options: { port: 0, schedule: false, keyCheck: false, demo: false, endpointsFile: '/tmp/stack.json' } });
  });

  it('reads the same from the variables, and an argument wins over its variable', () => {
    // Act
    const read = readStartOptions(['--port', '4000'], {
      PORT: '5000',
      LOCAL_SCHEDULE: 'off',
      LOCAL_KEY_CHECK: 'false',
      LOCAL_DEMO: '0',
      LOCAL_STACK_FILE: '/tmp/a.json',
    });

    // Assess
    expect(read).toEqual({ ok: true, options: { port: 4000, schedule: false, keyCheck: false, demo: false, endpointsFile: '/tmp/a.json' } });
  });

  it('asks for the usage with --help', () => {
    expect(readStartOptions(['--no-demo', '--help'], {})).toEqual({ ok: false, help: true });
  });

  it.each([
    [['--schedule'], 'unknown option --schedule'],
    [['--port'], '--port needs a number'],
    [['--port', 'http'], 'the port must be a whole number from 0 to 65535'],
    [['--endpoints-file', '--no-demo'], '--endpoints-file needs a path'],
  ])('refuses %j: %s', (args, problem) => {
    expect(readStartOptions(args, {})).toEqual({ ok: false, problem });
  });
});
