with

root_causes as (

    select * from int_root_causes

),

levers as (

    select * from root_cause_levers

)

select
    root_causes.process,
    root_causes.week_start,
    root_causes.demand_type,
    root_causes.root_cause,
    coalesce(levers.lever, 'unknown') as lever,
    coalesce(levers.lever_name, 'unknown') as lever_name,
    coalesce(levers.lever_name_en, 'unknown') as lever_name_en,
    cast(count(*) as bigint) as inquiries,
    sum(root_causes.hours) as hours

from root_causes
left join levers
    on levers.root_cause = root_causes.root_cause
    and levers.demand_type = root_causes.demand_type
group by
    root_causes.process,
    root_causes.week_start,
    root_causes.demand_type,
    root_causes.root_cause,
    coalesce(levers.lever, 'unknown'),
    coalesce(levers.lever_name, 'unknown'),
    coalesce(levers.lever_name_en, 'unknown')
order by root_causes.process, root_causes.week_start, inquiries desc
