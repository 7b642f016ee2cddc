import { describe, expect, it } from 'vitest';
import { preferredLanguage } from '../i18n/i18n.js';
import { webDeviceInfo } from '../session/device-info.js';
import { entryRoute } from './route.js';

describe('entryRoute', () => {
  it('reads the token of a setup or invite link from the fragment', () => {
    expect(entryRoute('/setup', '#abc%2Bdef')).toEqual({ kind: 'setup', token: 'abc+def' });
    expect(entryRoute('/invite', '#tok')).toEqual({ kind: 'invite', token: 'tok' });
    expect(entryRoute('/invite', '')).toEqual({ kind: 'invite', token: null });
    expect(entryRoute('/', '#anything')).toEqual({ kind: 'app' });
  });
});

describe('preferredLanguage', () => {
  it('takes the first language the app speaks, German otherwise', () => {
    expect(preferredLanguage(['fr-FR', 'en-GB', 'de'])).toBe('en');
    expect(preferredLanguage(['de-AT'])).toBe('de');
    expect(preferredLanguage(['fr'])).toBe('de');
    expect(preferredLanguage([])).toBe('de');
  });
});

describe('webDeviceInfo', () => {
  it('names the browser and system, as a personal web device', () => {
    const firefoxOnWindows =
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
    expect(webDeviceInfo(firefoxOnWindows)).toEqual({
      name: 'Firefox · Windows',
      platform: 'web',
      kind: 'personal',
    });
    expect(webDeviceInfo('curl/8').name).toBe('Browser');
  });
});
