import { ConfigError } from '../lib/config';
import { loadCliConfig } from './config';

describe('CLI configuration', () => {
  it('defaults the API URL and takes the key from the environment', () => {
    expect(loadCliConfig({ FLIGHTDECK_API_KEY: 'k' }, {})).toEqual({ FLIGHTDECK_API_URL: 'http://localhost:4000', FLIGHTDECK_API_KEY: 'k' });
  });

  it('lets --api-url and --api-key override the environment, and trims a trailing slash', () => {
    const env = { FLIGHTDECK_API_URL: 'http://env:4000', FLIGHTDECK_API_KEY: 'env-key' };
    expect(loadCliConfig(env, { apiUrl: 'https://flag.example/', apiKey: 'flag-key' })).toEqual({
      FLIGHTDECK_API_URL: 'https://flag.example',
      FLIGHTDECK_API_KEY: 'flag-key',
    });
  });

  it('treats empty values as unset', () => {
    expect(loadCliConfig({ FLIGHTDECK_API_URL: '', FLIGHTDECK_API_KEY: 'k' }, {}).FLIGHTDECK_API_URL).toBe('http://localhost:4000');
    expect(() => loadCliConfig({ FLIGHTDECK_API_KEY: '  ' }, {})).toThrow(ConfigError);
  });

  it('names every problem: a missing key (and where to find one) and a bad URL', () => {
    let error: unknown;
    try {
      loadCliConfig({ FLIGHTDECK_API_URL: 'localhost:4000' }, {});
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((problem) => problem.path).sort()).toEqual(['FLIGHTDECK_API_KEY', 'FLIGHTDECK_API_URL']);
    expect(problems.find((problem) => problem.path === 'FLIGHTDECK_API_KEY')?.message).toMatch(/--api-key.*npm start/);
  });
});
