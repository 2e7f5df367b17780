import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configPath, connection, effectiveConfig, readConfig, writeConfig } from './config.js';
import { CliFailure, EXIT } from './output.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-cli-config-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const PIN = `sha256//${'A'.repeat(43)}=`;
const OTHER_PIN = `sha256//${'B'.repeat(43)}=`;

describe('the configuration file', () => {
  it('lives at GNM_CONFIG, else under XDG_CONFIG_HOME, else ~/.config', () => {
    expect(configPath({ GNM_CONFIG: '/x/c.json' })).toBe('/x/c.json');
    expect(configPath({ XDG_CONFIG_HOME: '/xdg' })).toBe('/xdg/gnm/config.json');
    expect(configPath({})).toBe(path.join(os.homedir(), '.config/gnm/config.json'));
  });

  it('is written for its owner only and read back', () => {
    const file = path.join(tmp, 'a/gnm/config.json');
    writeConfig({ url: 'https://cp:8787', token: 'gnmt_x', tlsPin: PIN }, file);
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
    expect((fs.statSync(path.dirname(file)).mode & 0o777).toString(8)).toBe('700');
    expect(readConfig(file)).toEqual({ url: 'https://cp:8787', token: 'gnmt_x', tlsPin: PIN });
    expect(readConfig(path.join(tmp, 'missing.json'))).toEqual({});
    fs.writeFileSync(path.join(tmp, 'bad.json'), '[1]');
    expect(() => readConfig(path.join(tmp, 'bad.json'))).toThrow(/not a valid gnm configuration/);
  });

  it('env overrides it; a saved pin is never used for another server', () => {
    const file = path.join(tmp, 'b.json');
    writeConfig({ url: 'https://cp:8787', token: 'gnmt_saved', tlsPin: PIN }, file);
    expect(effectiveConfig({ GNM_CONFIG: file, GNM_TOKEN: 'gnmt_env' })).toMatchObject({
      url: 'https://cp:8787',
      token: 'gnmt_env',
      tlsPin: PIN,
    });
    expect(effectiveConfig({ GNM_CONFIG: file, GNM_URL: 'https://other:8787' }).tlsPin).toBeUndefined();
    expect(
      effectiveConfig({ GNM_CONFIG: file, GNM_URL: 'https://other:8787', GNM_TLS_PIN: OTHER_PIN }).tlsPin,
    ).toBe(OTHER_PIN);
    const usage = (env: NodeJS.ProcessEnv) => {
      try {
        connection(env);
      } catch (e) {
        return e instanceof CliFailure ? e.code : -1;
      }
      return 0;
    };
    expect(usage({ GNM_CONFIG: file })).toBe(0);
    expect(usage({ GNM_CONFIG: file, GNM_URL: 'https://other:8787' })).toBe(EXIT.usage); // no pin for it
    expect(usage({ GNM_CONFIG: file, GNM_TLS_PIN: 'sha256//short' })).toBe(EXIT.usage);
    expect(usage({ GNM_CONFIG: path.join(tmp, 'none.json') })).toBe(EXIT.usage);
    // Plain HTTP only with the development flag (see login-commands.test.ts).
    expect(
      usage({ GNM_CONFIG: path.join(tmp, 'none.json'), GNM_URL: 'http://dev:8787', GNM_TOKEN: 'gnmt_x' }),
    ).toBe(EXIT.usage);
    expect(
      usage({
        GNM_CONFIG: path.join(tmp, 'none.json'),
        GNM_URL: 'http://dev:8787',
        GNM_TOKEN: 'gnmt_x',
        GNM_CLI_DEV_PLAIN_HTTP: '1',
      }),
    ).toBe(0);
  });
});
