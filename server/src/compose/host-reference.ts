// Which environment values of a compose service refer to another service as a host, and so make a link. A value
// that merely equals a service's name is no reference (`POSTGRES_DB=gitea` in a stack that has a `gitea`
// service names a database); only host-like values are: under a host-like key (`*_HOST`, `*_URL`, `*_ADDR`...),
// `host:port`, or a URL whose host is the service.

/** Keys whose values are hosts or addresses. */
const HOST_KEY =
  /(^|_)(HOST|HOSTS|HOSTNAME|URL|URLS|URI|ADDR|ADDRESS|ENDPOINT|ENDPOINTS|SERVER|SERVERS|BROKER|BROKERS|DSN)$/i;

const escapeName = (name: string) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A hostname-like mention of `name` in a value: `api`, `db.internal`, `redis:6379`, `a,db,b`. */
function mentions(value: string, name: string): boolean {
  return new RegExp(`(^|[^A-Za-z0-9_.-])${escapeName(name)}($|[^A-Za-z0-9_-]|\\.(?![A-Za-z0-9]))`).test(value);
}

/** `name:port` somewhere in the value (a list of them too: `kafka:9092,zk:2181`). */
function hostPort(value: string, name: string): boolean {
  return new RegExp(`(^|[^A-Za-z0-9_.-])${escapeName(name)}:\\d{1,5}($|[^0-9])`).test(value);
}

/** A URL whose host is `name`: `http://api:8080/x`, `postgres://user:pw@db/app`, `amqp://mq`. */
function urlHost(value: string, name: string): boolean {
  return new RegExp(`[A-Za-z][A-Za-z0-9+.-]*://([^/@\\s]*@)?${escapeName(name)}($|[:/?#,;\\s])`).test(value);
}

/** True when `key=value` in a service's environment refers to the service `name` as a host. */
export function isHostReference(key: string, value: string, name: string): boolean {
  if (value.length === 0 || name.length === 0) return false;
  if (HOST_KEY.test(key) && mentions(value, name)) return true;
  return hostPort(value, name) || urlHost(value, name);
}
