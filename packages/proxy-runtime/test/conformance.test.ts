import { defineConformanceSuite } from '@switchyard/testkit';
import { conformanceEngine } from './helpers.ts';

defineConformanceSuite('native', (context) => conformanceEngine('native', context));
