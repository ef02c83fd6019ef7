import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/**/*.test.ts',
      'host/**/*.test.ts',
      'domain/**/*.test.ts',
      'functions/**/*.test.ts',
      'bot/**/*.test.ts',
      'cards/**/*.test.ts',
      'manifest/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/setup/azurite.ts'],
  },
});
