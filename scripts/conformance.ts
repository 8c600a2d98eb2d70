// Placeholder until the conformance runner lands.
console.log('0 passed, 0 failed');
