import { describe, expect, it } from 'vitest'
import { parseWrkReport } from '../../bench/harness/wrk-run'

/** A report as wrk 4.1 prints it with `--latency` and the benchmark's script. */
const report = `Running 5s test @ http://127.0.0.1:41234/v1/chat/completions
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.62ms  261.30us   8.95ms   91.24%
    Req/Sec    19.88k     1.01k   21.02k    86.00%
  Latency Distribution
     50%  812.00us
     75%    1.67ms
     90%    1.80ms
     99%    2.55ms
  98912 requests in 5.00s, 47.45MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 3
Requests/sec:  19782.40
Transfer/sec:      9.49MB
bad answers: 4
`

describe('parseWrkReport', () => {
  it('reads requests, duration, percentiles in any unit, errors and bytes', () => {
    expect(parseWrkReport(report)).toEqual({
      requests: 98_912,
      seconds: 5,
      p50: 0.812,
      p99: 2.55,
      socketErrors: 3,
      non2xx: 3,
      badAnswers: 4,
      bytes: 47.45 * 1024 * 1024,
    })
  })

  it('counts no errors when wrk prints none', () => {
    const clean = report
      .replace(/^ {2}Socket errors.*\n/m, '')
      .replace(/^ {2}Non-2xx.*\n/m, '')
      .replace('bad answers: 4', 'bad answers: 0')
    expect(parseWrkReport(clean)).toMatchObject({ socketErrors: 0, non2xx: 0, badAnswers: 0 })
  })

  it('refuses what is not a complete report, rather than reading zeros', () => {
    expect(() => parseWrkReport('unable to connect to 127.0.0.1:1 Connection refused')).toThrow(
      /not a wrk report/,
    )
    expect(() => parseWrkReport(report.replace('bad answers: 4\n', ''))).toThrow(/not a wrk report/)
    expect(() => parseWrkReport(report.replace('812.00us', '812.00xs'))).toThrow(/latency/)
  })
})
