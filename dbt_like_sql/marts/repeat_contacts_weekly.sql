with

inquiries as (

    select * from int_inquiries

),

parameters as (

    select * from rule_parameters

),

sequenced as (

    select
        inquiry_id,
        process,
        week_start,
        citizen_key,
        days_since_previous

    from inquiries
    where citizen_key is not null

),

weekly as (

    select
        sequenced.process,
        sequenced.week_start,
        cast(count(*) as bigint) as identified_inquiries,
        cast(sum(case when sequenced.days_since_previous <= parameters.repeat_window_days then 1 else 0 end) as bigint)
            as repeat_inquiries

    from sequenced
    cross join parameters
    group by sequenced.process, sequenced.week_start

)

select
    process,
    week_start,
    identified_inquiries,
    repeat_inquiries,
    cast(repeat_inquiries as double) / identified_inquiries as repeat_rate

from weekly
order by process, week_start
