-- The target of a query command in its mode (`--mode`, crawler/analysis/targets.py): a
-- condition on link_fetches' dst_host and dst_url, kept beside the query's own
-- `dst_domain = {domain:String}`, which the links table's order makes fast.
--   domain: every URL of the registrable domain (no further condition);
--   host:   dst_host = {target} (www.example.com, not blog.example.com);
--   prefix: dst_url starts with {target} (http://www.example.com/events/);
--   exact:  dst_url = {target}.
-- A target without a scheme (no '://' in {target}) is compared with the URL after its
-- scheme, so http:// and https:// URLs both match. substring/position, not startsWith:
-- clickhouse-server 18.16 reads these alike.
-- A named query includes it on a line of its own after an AND:
--       AND
--       -- include: target_match()
-- narrowed UInt8 (mode is not 'domain'; crawler/analysis/queries.py sets it from mode): the
-- whole domain is `1`, no condition. clickhouse-server 18.16 evaluates every branch of the
-- multiIf on every row, reading dst_url and dst_host for nothing: a third of the most linked
-- domain's first page at 100M links (bench/RESULTS.md, issue 17).
-- when: narrowed
multiIf(
    {mode:String} = 'host', dst_host = {target:String},
    {mode:String} = 'prefix',
        substring(if(position({target:String}, '://') > 0, dst_url,
                     substring(dst_url, position(dst_url, '://') + 3)),
                  1, length({target:String})) = {target:String},
    {mode:String} = 'exact',
        if(position({target:String}, '://') > 0, dst_url,
           substring(dst_url, position(dst_url, '://') + 3)) = {target:String},
    1)
-- else: narrowed
1
-- end: narrowed
