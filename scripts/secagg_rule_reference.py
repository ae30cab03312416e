# Independent evaluation of the SecAgg+ degree and threshold rule of Concord's NeighbourhoodRule,
# with exact binomial sums (Python integers), to check the Swift implementation against.
from math import comb, log2, floor
def tail_ge(k,p,t): return sum(comb(k,i)*p**i*(1-p)**(k-i) for i in range(t,k+1))
def choose(n, d, g, sigma=40, eta=20):
    for k in range(2, n-1, 2):
        p = d+g
        if p>0 and log2(n*n/2) + k*log2(p) > -sigma: continue
        ts = [t for t in range(k//2+1, k+1) if tail_ge(k, g, t) <= 2**-sigma]
        if ts and n*(1-tail_ge(k, 1-d, ts[0])) <= 2**-eta: return k, ts[0]
    k = n-1
    t = max(k//2+1, floor(g*n)+1)
    return (k, t) if t <= k else None

if __name__ == "__main__":
    # The rows NeighbourhoodRuleTests checks Concord's rule against.
    for row in [(100, 0.05, 0.0), (100, 0.1, 0.0), (100, 0.05, 0.05), (100, 0.2, 0.1), (1000, 0.05, 0.05),
                (1000, 0.1, 0.05), (10000, 0.1, 0.0), (1000, 0.3, 0.0), (30, 0.05, 0.0), (10, 0.05, 0.05)]:
        print("n=%d dropout=%.2f corrupt=%.2f -> k, t = %s" % (row + (choose(*row),)))
