import { describe, expect, it } from 'vitest';
import { formatHaproxyStats } from '../src/internal/haproxy-stats.ts';

// The first columns of HAProxy 2.6's `show stat` header, then rows as it prints them.
const HEADER =
  '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other';
function row(cells: Record<string, string>): string {
  return HEADER.slice(2)
    .split(',')
    .map((name) => cells[name] ?? '')
    .join(',');
}

describe('formatHaproxyStats', () => {
  const csv = [
    HEADER,
    row({
      pxname: 'public',
      svname: 'FRONTEND',
      scur: '3',
      stot: '40',
      bin: '1000',
      bout: '2000',
      type: '0',
      hrsp_2xx: '30',
      hrsp_5xx: '2',
    }),
    row({
      pxname: 'be_edge_http:shop:cart',
      svname: 'BACKEND',
      scur: '1',
      stot: '12',
      econ: '1',
      status: 'UP',
      type: '1',
      hrsp_2xx: '11',
    }),
    row({
      pxname: 'be_edge_http:shop:cart',
      svname: 'pod:cart-1:cart:http:10.0.0.5:8080',
      scur: '1',
      status: 'DOWN',
      type: '2',
    }),
    row({ pxname: 'openshift_default', svname: 'BACKEND', type: '1', status: 'UP' }),
    '',
  ].join('\n');
  const text = formatHaproxyStats(csv);

  it.each([
    ['frontend sessions', 'haproxy_frontend_current_sessions{frontend="public"} 3'],
    ['frontend responses by class', 'haproxy_frontend_http_responses_total{frontend="public",code="5xx"} 2'],
    [
      'backend labels from the backend name',
      'haproxy_backend_http_responses_total{backend="https-edge",namespace="shop",route="cart",code="2xx"} 11',
    ],
    ['backend status', 'haproxy_backend_up{backend="https-edge",namespace="shop",route="cart"} 1'],
    [
      'connection errors',
      'haproxy_backend_connection_errors_total{backend="https-edge",namespace="shop",route="cart"} 1',
    ],
    [
      'server status',
      'haproxy_server_up{server="pod:cart-1:cart:http:10.0.0.5:8080",namespace="shop",route="cart"} 0',
    ],
  ])('%s', (_name, sample) => {
    expect(text.split('\n')).toContain(sample);
  });

  it('leaves out backends that are not routes and writes each family once', () => {
    expect(text).not.toContain('openshift_default');
    expect(text.match(/# TYPE haproxy_backend_up gauge/g)).toHaveLength(1);
  });

  it('returns nothing for an answer without a header', () => {
    expect(formatHaproxyStats('Unknown command\n')).toBe('');
  });
});
