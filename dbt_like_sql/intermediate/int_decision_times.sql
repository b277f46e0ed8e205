with

cases as (

    select * from int_cases

),

decided as (

    select
        process,
        date_diff('second', opened_at, decided_at) / 86400.0 as days_to_decision

    from cases
    where opened_at is not null and decided_at is not null and decided_at >= opened_at

)

select
    process,
    median(days_to_decision) as median_days_to_decision,
    count(*) as decided_cases

from decided
group by process
