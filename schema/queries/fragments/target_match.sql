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
