with

source as (

    select * from landed_invoices

),

renamed as (

    select
        trim(invoice_ref) as invoice_ref,
        trim(invoice_type) as invoice_type,
        citizen_key,
        issued_at,
        due_date,
        cast(amount_sek as double) as amount_sek,
        paid_at,
        reminder_at

    from source

)

select * from renamed
