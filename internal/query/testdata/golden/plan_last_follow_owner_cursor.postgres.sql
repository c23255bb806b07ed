-- plan_last_follow_owner_cursor (postgres)
-- sort [{lastFollowAt true}], cursor [1735776000000 900], page 0, filter owner eq ["7"]
SELECT c.id, c.project_id, c.external_id, c.name, c.first_name, c.last_name, c.phone, c.phones, c.email, c.company, c.company_ids, c.address, c.street, c.city, c.state, c.country, c.postal_code, c.business_phone, c.home_phone, c.fax, c.remark, c.status, c.owner_id, c.stage_id, c.collaborator_ids, c.tag_ids, c.id_type, c.id_number, c.sex, c.age, c.born_date, c.space_ids, c.space_names, c.paths, c.grade_id, c.grade_name, c.type_id, c.type_name, c.contact_name, c.contact_phone, c.native_place, c.nation, c.marriage, c.education, c.profession, c.speciality, c.interest, c.personality, c.job_num, c.face_photo, c.open_id, c.union_id, c.management_forms, c.management_forms_id, c.custom, c.last_follow_at, c.last_follow_user, c.next_follow_at, c.pool_id, c.home_pool_id, c.claimed_at, c.protected_until, c.pool_entered_at, c.pool_entry, c.pool_reason, c.stage_changed_at, c.created_at, c.updated_at, c.created_by, c.created_by_name, c.updated_by, c.updated_by_name, c.last_follow_at AS k0, c.id AS k1 FROM customers c WHERE c.tenant_id = $1 AND (c.owner_id IS NOT NULL AND c.owner_id IN ($2)) AND ((c.last_follow_at < $3) OR (c.last_follow_at = $4 AND c.id < $5)) ORDER BY k0 DESC, k1 DESC LIMIT 51
-- args:
-- 1: int64 42
-- 2: int64 7
-- 3: int64 1735776000000
-- 4: int64 1735776000000
-- 5: int64 900
