with

root_causes as (

    select * from int_root_causes

),

levers as (

    select * from root_cause_levers

),

-- inquiries of a topic analysts named in topics.yaml: counted under its root cause and lever
named as (

    select * from inquiry_topics

),

causes as (

    select
        root_causes.process,
        root_causes.week_start,
        root_causes.demand_type,
        coalesce(named.root_cause, root_causes.root_cause) as root_cause,
        coalesce(named.topic, '') as topic,
        coalesce(named.lever, levers.lever, 'unknown') as lever,
        coalesce(named.lever_name, levers.lever_name, 'unknown') as lever_name,
        coalesce(named.lever_name_en, levers.lever_name_en, 'unknown') as lever_name_en,
        root_causes.hours

    from root_causes
    left join named on named.inquiry_id = root_causes.inquiry_id
    left join levers
        on levers.root_cause = root_causes.root_cause
        and levers.demand_type = root_causes.demand_type

)

select
    process,
    week_start,
    demand_type,
    root_cause,
    lever,
    lever_name,
    lever_name_en,
    cast(count(*) as bigint) as inquiries,
    sum(hours) as hours,
    max(topic) as topic

from causes
group by
    process,
    week_start,
    demand_type,
    root_cause,
    lever,
    lever_name,
    lever_name_en
order by process, week_start, inquiries desc
