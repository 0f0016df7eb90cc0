#!/usr/bin/env node
// Benchmarks are added with the benchmark issue; until then this says so instead of pretending to measure.
console.log('No benchmarks yet: see the benchmark issue. Nothing was measured.');
