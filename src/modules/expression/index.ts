// The CEL expression matcher's runtime (its Caddyfile syntax is with the standard matchers').
import { defineModule } from '../define.js';
import { expressionMatcher } from './matcher.js';

defineModule({ matchers: [expressionMatcher] });
