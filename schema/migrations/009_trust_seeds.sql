-- trust_seed: 1 on the rows of a `linkgraph authority --trust-seeds` run that were its seeds
-- (the pages, hosts or domains the file named, at each level), so `refdomains` can show which
-- referring domains the TrustRank started from; 0 on every row of a run without seeds and on
-- the snapshots taken before this migration.

ALTER TABLE page_authority ADD COLUMN trust_seed UInt8 DEFAULT 0;

ALTER TABLE host_authority ADD COLUMN trust_seed UInt8 DEFAULT 0;

ALTER TABLE domain_authority ADD COLUMN trust_seed UInt8 DEFAULT 0;
