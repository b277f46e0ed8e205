with

source as (

    select * from landed_cases

),

renamed as (

    select
        upper(trim(case_ref)) as case_ref,
        trim(case_type) as case_type,
        citizen_key,
        event,
        event_at

    from source

)

select * from renamed
