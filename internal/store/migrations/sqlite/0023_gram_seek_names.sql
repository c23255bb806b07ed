-- 公海 recycling (issue 16): the two seek indexes of the token rows,
-- customer_grams_owner (0019, 0022) and customer_grams_pool (0021), hold
-- only name gram tokens ("g:" + a unigram or bigram, textindex's kind
-- prefix). Their only readers are the seeks of a 1–2 character name
-- fragment (internal/query/scope.go, gramSelect), whose token is always
-- such a gram; the pinyin ("p:", "i:") and remark ("rg:") token rows of a
-- scoped search are read from the primary key's range, filtered by the
-- scope columns they carry. So the other rows were index entries nobody
-- sought: about a third of a customer's entries in each index, deleted and
-- inserted by every claim and recycle of the customer, and written by every
-- create. The seeks say the same range ("gram >= 'g:' AND gram < 'g;'") to
-- use them.
DROP INDEX customer_grams_owner;
CREATE INDEX customer_grams_owner ON customer_grams (tenant_id, owner_id, gram, customer_id, status, project_id, created_at, pool_id)
    WHERE owner_id <> 0 AND gram >= 'g:' AND gram < 'g;';
DROP INDEX customer_grams_pool;
CREATE INDEX customer_grams_pool ON customer_grams (tenant_id, pool_id, gram, customer_id, status, project_id, created_at, owner_id)
    WHERE pool_id <> 0 AND gram >= 'g:' AND gram < 'g;';
